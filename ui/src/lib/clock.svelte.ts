// The time, once a second: call durations are drawn from it and the snapshot's timestamps.
let now = $state(Date.now());
setInterval(() => (now = Date.now()), 1000);

export const clock = {
  get now() {
    return now;
  },
};
