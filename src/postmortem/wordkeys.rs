//! Word-start screens: whether some word of a text opens with one of a few ASCII keys, a cheap
//! byte scan run before a regex that cannot match unless one does.
//!
//! A screen may pass text its regex then rejects, never the reverse. It reads ASCII letters,
//! digits and `_` as word characters and every other byte as a boundary, so it finds a word start
//! wherever a Unicode `\b` (or `^`, or a `\s`) could put one: after a non-ASCII letter it sees a
//! start the regex would not, which only lets more text through. Case is folded for ASCII only;
//! text holding one of the two characters Unicode folds to an ASCII letter (the Kelvin sign to
//! `k`, the long s to `s`) always passes.

use super::twin::is_word_byte;

/// The letters the words of a list open with, ASCII case folded: a text compared with the list
/// word by word is settled by its first byte when no word opens with it.
pub(crate) struct Initials(u32);

impl Initials {
    /// `words` open with ASCII letters (checked when the set is built).
    pub(crate) const fn of(words: &[&str]) -> Initials {
        let mut letters = 0u32;
        let mut i = 0;
        while i < words.len() {
            let first = words[i].as_bytes()[0].to_ascii_lowercase();
            assert!(
                first.is_ascii_lowercase(),
                "words open with an ASCII letter"
            );
            letters |= 1 << (first - b'a');
            i += 1;
        }
        Initials(letters)
    }

    /// Whether some word of the list opens with `b`, ASCII case folded.
    pub(crate) fn has(&self, b: u8) -> bool {
        let index = b.to_ascii_lowercase().wrapping_sub(b'a');
        index < 26 && self.0 >> index & 1 != 0
    }
}

/// `N` keys of at most 8 bytes some word must open with, ASCII case folded.
pub(crate) struct WordKeys<const N: usize> {
    /// Each key as little-endian bytes, with the mask of its length, in the order given
    /// (sorted by first letter).
    packed: [(u64, u64); N],
    /// For each first letter, where its keys sit in `packed`.
    buckets: [(u16, u16); 26],
    /// For each first letter, the second letters some key goes on with (bit `c - b'a'`); a
    /// 27th entry, empty, for bytes that are no letter.
    seconds: [u32; 27],
}

/// Each byte's letter index (ASCII case folded), 26 for a byte that is no letter.
static LETTER_INDEX: [u8; 256] = {
    let mut table = [26u8; 256];
    let mut b = 0;
    while b < 256 {
        let folded = (b as u8) | 0x20;
        if folded.is_ascii_lowercase() {
            table[b] = folded - b'a';
        }
        b += 1;
    }
    table
};

/// Each byte as a second letter: bit `letter index`, or no bit for a byte that is no letter.
static SECOND_BIT: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut b = 0;
    while b < 256 {
        let index = LETTER_INDEX[b];
        if index < 26 {
            table[b] = 1 << index;
        }
        b += 1;
    }
    table
};

/// The word bytes of a 32-byte window as a mask (bit `i` for byte `i`): `is_word_byte` (branch-free
/// arithmetic) over a fixed-size array, which the compiler turns into a few vector instructions
/// (a table lookup per byte cannot be), then each 8 flags gathered into 8 bits by one
/// multiplication (flag `k`, 0 or 1 in byte `k`, lands in bit `56 + k`).
fn word_mask(window: &[u8; 32]) -> u32 {
    let mut flags = [0u8; 32];
    for (flag, &b) in flags.iter_mut().zip(window) {
        *flag = u8::from(is_word_byte(b));
    }
    flags
        .chunks_exact(8)
        .enumerate()
        .fold(0u32, |mask, (k, group)| {
            let group = u64::from_le_bytes(group.try_into().unwrap_or_default());
            let bits = group.wrapping_mul(0x0102_0408_1020_4080) >> 56;
            mask | ((bits as u32) << (8 * k))
        })
}

impl<const N: usize> WordKeys<N> {
    /// `keys` are lowercase ASCII letters, 2 to 8 of them, sorted by their first letter
    /// (checked when the screen is built).
    pub(crate) const fn new(keys: [&'static str; N]) -> WordKeys<N> {
        assert!(N <= u16::MAX as usize, "at most 65535 keys");
        let mut packed = [(0u64, 0u64); N];
        let mut seconds = [0u32; 27];
        let mut buckets = [(0u16, 0u16); 26];
        let mut i = 0;
        while i < N {
            let key = keys[i].as_bytes();
            assert!(key.len() >= 2 && key.len() <= 8, "keys hold 2 to 8 letters");
            assert!(
                i == 0 || keys[i - 1].as_bytes()[0] <= key[0],
                "keys are sorted by first letter"
            );
            let mut j = 0;
            while j < key.len() {
                assert!(
                    key[j].is_ascii_lowercase(),
                    "keys are lowercase ASCII letters"
                );
                packed[i].0 |= (key[j] as u64) << (8 * j);
                packed[i].1 |= 0xff << (8 * j);
                j += 1;
            }
            let first = (key[0] - b'a') as usize;
            seconds[first] |= 1 << (key[1] - b'a');
            if buckets[first].1 == 0 {
                buckets[first].0 = i as u16;
            }
            buckets[first].1 = i as u16 + 1;
            i += 1;
        }
        WordKeys {
            packed,
            buckets,
            seconds,
        }
    }

    /// Whether some word of `text` opens with a key (or the text holds a character that folds
    /// to an ASCII letter). Word starts are found 32 bytes at a time as a mask; only they are
    /// looked at one by one (about one byte in six in prose).
    pub(crate) fn any_in(&self, text: &str) -> bool {
        let bytes = text.as_bytes();
        let mut word_before = false;
        for (n, chunk) in bytes.chunks(32).enumerate() {
            let words = match <&[u8; 32]>::try_from(chunk) {
                Ok(window) => word_mask(window),
                // The short last chunk of a longer text: the text's last 32 bytes, of which
                // the ones already read are shifted out (no copy into a padded window).
                Err(_) if bytes.len() > 32 => {
                    let last = bytes.len() - 32;
                    match <&[u8; 32]>::try_from(&bytes[last..]) {
                        Ok(window) => word_mask(window) >> (32 - chunk.len()),
                        Err(_) => 0,
                    }
                }
                Err(_) => {
                    // A text shorter than a window, padded with bytes that are no word bytes.
                    let mut window = [0u8; 32];
                    window[..chunk.len()].copy_from_slice(chunk);
                    word_mask(&window)
                }
            };
            let mut starts = words & !((words << 1) | u32::from(word_before));
            word_before = words >> 31 != 0;
            while starts != 0 {
                let i = n * 32 + starts.trailing_zeros() as usize;
                starts &= starts - 1;
                let first = usize::from(LETTER_INDEX[usize::from(bytes[i])]);
                let next = bytes.get(i + 1).copied().unwrap_or(0);
                if self.seconds[first] & SECOND_BIT[usize::from(next)] != 0
                    && self.opens_key(first, &bytes[i..])
                {
                    return true;
                }
            }
        }
        !text.is_ascii() && text.contains(['\u{212A}', '\u{17F}'])
    }

    /// Whether `word`, whose first two letters `any_in` has already matched to a key's (`first`
    /// is the first one's index), opens with a whole key. Setting bit 5 folds exactly the ASCII
    /// letters onto the lowercase ones: no other byte becomes a letter.
    fn opens_key(&self, first: usize, word: &[u8]) -> bool {
        let head = match word.get(..8) {
            Some(head) => u64::from_le_bytes(head.try_into().unwrap_or_default()),
            None => word
                .iter()
                .rev()
                .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)),
        };
        let folded = head | 0x2020_2020_2020_2020;
        let Some(&(start, end)) = self.buckets.get(first) else {
            return false;
        };
        self.packed
            .get(usize::from(start)..usize::from(end))
            .unwrap_or(&[])
            .iter()
            .any(|&(key, mask)| folded & mask == key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_mask_reads_each_byte_as_is_word_byte() {
        for b in 0..=255u8 {
            for at in [0, 1, 17, 31] {
                let mut window = [b' '; 32];
                window[at] = b;
                assert_eq!(
                    word_mask(&window),
                    u32::from(is_word_byte(b)) << at,
                    "{b:#x} at {at}"
                );
            }
        }
    }

    #[test]
    fn initials_hold_exactly_the_first_letters() {
        const SET: Initials = Initials::of(&["Done", "todo", "n"]);
        for b in 0..=255u8 {
            assert_eq!(SET.has(b), b"dDtTnN".contains(&b), "{b:#x}");
        }
    }

    const KEYS: WordKeys<3> = WordKeys::new(["mov", "next", "thank"]);

    #[test]
    fn finds_keys_only_at_word_starts() {
        assert!(KEYS.any_in("Thanks to the on-call team"));
        assert!(KEYS.any_in("Again, THANK you"));
        assert!(KEYS.any_in("the sync moved to Friday"));
        assert!(KEYS.any_in("(next review) pending"));
        assert!(KEYS.any_in("café next week"));
        assert!(!KEYS.any_in("Remove the stale cache"));
        assert!(!KEYS.any_in("context switches"));
        assert!(!KEYS.any_in("_next"));
        assert!(!KEYS.any_in(""));
    }

    #[test]
    fn keys_across_the_32_byte_windows_are_found() {
        for lead in 25..70 {
            let pad = "x".repeat(lead);
            assert!(KEYS.any_in(&format!("{pad} next")), "{lead}");
            assert!(KEYS.any_in(&format!("{pad}-thanks a lot")), "{lead}");
            // A word running across a window's edge has one start, before the edge.
            assert!(!KEYS.any_in(&format!("{pad}next")), "{lead}");
            assert!(KEYS.any_in(&format!("next{pad}")), "{lead}");
        }
    }

    #[test]
    fn a_non_ascii_letter_before_a_key_still_counts_as_a_boundary() {
        // Unicode `\b` sees no boundary inside "énext"; the screen does, which only lets more
        // text through to the regex.
        assert!(KEYS.any_in("énext"));
    }

    /// The screen read plainly: some word start (a word byte after a non-word byte or at the
    /// start) opens with a key, ASCII case folded.
    fn any_in_plain(keys: &[&str], text: &str) -> bool {
        let bytes = text.as_bytes();
        let at_key = |i: usize| {
            keys.iter().any(|k| {
                bytes
                    .get(i..i + k.len())
                    .is_some_and(|w| w.eq_ignore_ascii_case(k.as_bytes()))
            })
        };
        (0..bytes.len())
            .any(|i| is_word_byte(bytes[i]) && (i == 0 || !is_word_byte(bytes[i - 1])) && at_key(i))
            || text.contains(['\u{212A}', '\u{17F}'])
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(3000))]
        #[test]
        fn agrees_with_a_plain_reading(
            parts in proptest::collection::vec(
                proptest::sample::select(vec![
                    "mov", "MOVE", "Next", "nex", "thank", "THANKS", "tha", "t", "n", "m", "x",
                    " ", "_", "-", "é", "\u{212A}", "1", "[", "ne", "mo", "th",
                ]),
                0..40,
            )
        ) {
            let text = parts.concat();
            proptest::prop_assert_eq!(
                KEYS.any_in(&text),
                any_in_plain(&["mov", "next", "thank"], &text),
                "{:?}", text
            );
        }
    }

    #[test]
    fn characters_folding_to_ascii_letters_always_pass() {
        assert!(KEYS.any_in("\u{212A}udos"));
        assert!(KEYS.any_in("ſome text"));
        assert!(!KEYS.any_in("résumé"));
    }
}
