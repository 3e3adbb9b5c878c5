//! The Ogg page checksum (RFC 3533 section 6): CRC-32 with generator
//! polynomial 0x04c11db7, initial value 0, no bit reflection, no final xor.

const POLY: u32 = 0x04c1_1db7;

/// One entry per byte value, built at compile time.
const TABLE: [u32; 256] = build_table();

const fn build_table() -> [u32; 256] {
    let mut table = [0u32; 256];
    let mut byte = 0;
    while byte < 256 {
        let mut r = (byte as u32) << 24;
        let mut bit = 0;
        while bit < 8 {
            r = if r & 0x8000_0000 != 0 { (r << 1) ^ POLY } else { r << 1 };
            bit += 1;
        }
        table[byte] = r;
        byte += 1;
    }
    table
}

/// Continues the checksum `crc` over `data`; start with 0.
pub(crate) fn update(crc: u32, data: &[u8]) -> u32 {
    data.iter().fold(crc, |crc, &b| (crc << 8) ^ TABLE[usize::from((crc >> 24) as u8 ^ b)])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Straightforward bit-at-a-time reference, independent of the table.
    fn bitwise(data: &[u8]) -> u32 {
        let mut crc = 0u32;
        for &b in data {
            crc ^= u32::from(b) << 24;
            for _ in 0..8 {
                crc = if crc & 0x8000_0000 != 0 { (crc << 1) ^ POLY } else { crc << 1 };
            }
        }
        crc
    }

    #[test]
    fn check_value_matches_catalogue() {
        // CRC-32/CKSUM (same polynomial, init 0, no reflection) has check
        // value 0x765e7680 with a final xor of 0xffffffff; Ogg omits that xor.
        assert_eq!(update(0, b"123456789"), !0x765e_7680);
        assert_eq!(update(0, b"123456789"), 0x89a1_897f);
    }

    #[test]
    fn table_matches_bitwise() {
        let mut data = Vec::new();
        for i in 0..1000u32 {
            data.push((i.wrapping_mul(2_654_435_761) >> 13) as u8);
            assert_eq!(update(0, &data), bitwise(&data));
        }
    }

    #[test]
    fn update_is_incremental() {
        let data = b"The quick brown fox jumps over the lazy dog";
        let (a, b) = data.split_at(17);
        assert_eq!(update(update(0, a), b), update(0, data));
    }

    #[test]
    fn libogg_written_page_checksum() {
        // Page 0 (47 bytes) of a file written by opusenc/libogg; its CRC
        // field holds 0xd58fa5a0, computed with the field set to zero.
        let file = include_bytes!("../testdata/sine_2500ms.opus");
        let mut page = file[..47].to_vec();
        assert_eq!(&page[22..26], &0xd58f_a5a0u32.to_le_bytes());
        page[22..26].fill(0);
        assert_eq!(update(0, &page), 0xd58f_a5a0);
        assert_eq!(bitwise(&page), 0xd58f_a5a0);
    }
}
