//! Sound settings: which microphone and speaker the app uses (opened once, shared by
//! every call, swapped under a live call when the user chooses another), the ringtone,
//! and a test sound. Every choice persists.

use restphone_media::call::AudioDevices;
use restphone_media::system_audio::Direction;
use restphone_phone::MediaSetup;

use super::App;
use crate::audio::{self, AudioChoices};
use crate::error::{AppError, ErrorCode};
use crate::ringtone::RingtoneSettings;

/// Device work (opening, listing, playing) waits on the audio system: not on the async
/// workers.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T, AppError> + Send + 'static) -> Result<T, AppError> {
    tokio::task::spawn_blocking(work).await.map_err(|e| AppError::new(ErrorCode::NotPossible, e.to_string()))?
}

impl App {
    /// The devices for a phone starting now, opened as chosen on first use.
    pub(super) fn media(&self) -> MediaSetup {
        let mut audio = self.audio.lock().expect("audio lock");
        let devices = audio.get_or_insert_with(|| {
            let settings = self.settings.lock().expect("settings lock");
            audio::open(settings.input_device.as_deref(), settings.output_device.as_deref())
        });
        audio::media(devices.clone())
    }

    pub async fn audio_choices(&self) -> Result<AudioChoices, AppError> {
        let settings = self.settings.lock().expect("settings lock").clone();
        let choices = blocking(move || audio::choices(settings.input_device, settings.output_device)).await?;
        Ok(AudioChoices { ringtone: self.ringtone.borrow().clone(), ..choices })
    }

    /// Rings on `ringtone.device` (which must be listed) at its volume, or not at all.
    pub async fn set_ringtone(&self, ringtone: RingtoneSettings) -> Result<AudioChoices, AppError> {
        if ringtone.volume > 100 {
            return Err(AppError::new(ErrorCode::Invalid, "the volume goes from 0 to 100"));
        }
        let choices = self.audio_choices().await?;
        if let Some(name) = &ringtone.device
            && !choices.outputs.iter().any(|device| &device.name == name)
        {
            return Err(AppError::new(ErrorCode::Invalid, format!("there is no output device {name}")));
        }
        self.update_settings(|settings| settings.ringtone = ringtone.clone())?;
        self.ringtone.send_replace(ringtone.clone());
        Ok(AudioChoices { ringtone, ..choices })
    }

    pub async fn input_level(&self) -> Result<f32, AppError> {
        let meter = self.meter.clone();
        let microphone = self.settings.lock().expect("settings lock").input_device.clone();
        blocking(move || meter.level(microphone)).await
    }

    /// A second of tone through the speaker chosen.
    pub async fn play_test_sound(&self) -> Result<(), AppError> {
        let speaker = self.settings.lock().expect("settings lock").output_device.clone();
        blocking(move || crate::ringtone::play_test_sound(speaker.as_deref())).await
    }

    /// Uses `name` (`None`: the default device) for `direction` from now on, in a call
    /// going on too. A device that is not listed, or does not open, is refused and the
    /// one in use stays.
    pub async fn choose_audio_device(&self, direction: Direction, name: Option<String>) -> Result<AudioChoices, AppError> {
        let choices = self.audio_choices().await?;
        let listed = match direction {
            Direction::Input => &choices.inputs,
            Direction::Output => &choices.outputs,
        };
        if let Some(name) = &name
            && !listed.iter().any(|device| &device.name == name)
        {
            return Err(AppError::new(ErrorCode::Invalid, format!("there is no {direction} device {name}")));
        }
        let devices: Option<AudioDevices> = self.audio.lock().expect("audio lock").clone();
        let opened = name.clone();
        blocking(move || -> Result<(), AppError> {
            match direction {
                Direction::Input => {
                    let input = audio::open_input(opened.as_deref())?;
                    if let Some(devices) = devices {
                        devices.set_input(input);
                    }
                }
                Direction::Output => {
                    let output = audio::open_output(opened.as_deref())?;
                    if let Some(devices) = devices {
                        devices.set_output(output);
                    }
                }
            }
            Ok(())
        })
        .await?;
        self.update_settings(|settings| match direction {
            Direction::Input => settings.input_device.clone_from(&name),
            Direction::Output => settings.output_device.clone_from(&name),
        })?;
        self.audio_choices().await
    }
}
