//! The IDX file format of MNIST and Fashion-MNIST, plain or gzipped.
//!
//! An IDX file is a 4-byte magic number (`0x00 0x00 TYPE RANK`), `RANK` big-endian `u32`
//! dimension sizes, then the data. The datasets use `TYPE = 0x08` (unsigned bytes): images
//! are `[N, 28, 28]`, labels `[N]`. This parser reads exactly that, and gives a typed error
//! naming the problem for anything else: users load these files from disk, so every byte is
//! untrusted. Sizes are checked before anything is allocated, and gzip input is inflated
//! with a hard limit, so a hostile file cannot exhaust memory.

use std::io::Read;

/// The largest decompressed IDX payload accepted: 512 MiB (full Fashion-MNIST is 55 MB).
pub const MAX_BYTES: usize = 512 << 20;

/// The largest IDX file accepted as given (gzipped or not): 128 MB. The app checks it
/// before it reads a chosen file, so a huge file is refused at once.
pub const MAX_FILE_BYTES: usize = 128_000_000;

const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];
const TYPE_U8: u8 = 0x08;

/// An IDX array of unsigned bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdxU8 {
    /// Dimension sizes, outermost first.
    pub dims: Vec<usize>,
    /// The values, row-major.
    pub data: Vec<u8>,
}

/// Why bytes are not a valid IDX file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum IdxError {
    /// Fewer bytes than the header needs.
    #[error("file too short for an IDX header: {got} bytes, need at least {needed}")]
    ShortHeader {
        /// Bytes needed for the header.
        needed: usize,
        /// Bytes present.
        got: usize,
    },
    /// The first two bytes are not zero (and not gzip's magic).
    #[error("not an IDX file: it starts with {found:02x?}, expected [00, 00] (or gzip's [1f, 8b])")]
    BadMagic {
        /// The first two bytes.
        found: [u8; 2],
    },
    /// The element type is not unsigned bytes.
    #[error("unsupported IDX element type 0x{code:02x}: only unsigned bytes (0x08) are supported")]
    UnsupportedType {
        /// The type code found.
        code: u8,
    },
    /// Zero dimensions, or more than this parser accepts.
    #[error("IDX rank {rank} is not supported: expected 1 to 4 dimensions")]
    BadRank {
        /// The rank found.
        rank: u8,
    },
    /// A dimension of size zero.
    #[error("dimension {index} has size 0")]
    EmptyDimension {
        /// Which dimension.
        index: usize,
    },
    /// The dimensions describe more data than allowed.
    #[error("the header describes {described} bytes of data, more than the limit of {limit}")]
    TooLarge {
        /// Bytes described (saturating).
        described: u64,
        /// The limit.
        limit: usize,
    },
    /// The data ends early.
    #[error("file is truncated: the header describes {expected} bytes of data, found {got}")]
    Truncated {
        /// Bytes the header describes.
        expected: usize,
        /// Bytes present.
        got: usize,
    },
    /// Bytes after the data.
    #[error("{extra} unexpected bytes after the data (wrong header or two files joined?)")]
    TrailingBytes {
        /// How many.
        extra: usize,
    },
    /// The gzip stream is corrupt.
    #[error("corrupt gzip data: {message}")]
    Gzip {
        /// The decoder's description.
        message: String,
    },
    /// The file is over [`MAX_FILE_BYTES`].
    #[error("the file is {:.1} MB; IDX files of at most {} MB are accepted", *.bytes as f64 / 1e6, MAX_FILE_BYTES / 1_000_000)]
    FileTooLarge {
        /// The file's size in bytes.
        bytes: usize,
    },
    /// The gzip stream inflates past [`MAX_BYTES`].
    #[error("gzip data inflates to more than {limit} bytes")]
    GzipTooLarge {
        /// The limit.
        limit: usize,
    },
}

/// Inflates `bytes` if they are gzip, else returns them as they are.
pub fn maybe_gunzip(bytes: &[u8]) -> Result<std::borrow::Cow<'_, [u8]>, IdxError> {
    if bytes.len() < 2 || bytes[..2] != GZIP_MAGIC {
        return Ok(std::borrow::Cow::Borrowed(bytes));
    }
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(MAX_BYTES as u64 + 1)
        .read_to_end(&mut out)
        .map_err(|e| IdxError::Gzip {
            message: e.to_string(),
        })?;
    if out.len() > MAX_BYTES {
        return Err(IdxError::GzipTooLarge { limit: MAX_BYTES });
    }
    Ok(std::borrow::Cow::Owned(out))
}

/// Parses an IDX file of unsigned bytes, gzipped or not.
pub fn parse_u8(bytes: &[u8]) -> Result<IdxU8, IdxError> {
    check_file_size(bytes.len())?;
    let bytes = maybe_gunzip(bytes)?;
    parse_plain(&bytes)
}

/// Refuses a file of `bytes` bytes before it is read, if it is over [`MAX_FILE_BYTES`].
pub fn check_file_size(bytes: usize) -> Result<(), IdxError> {
    if bytes > MAX_FILE_BYTES {
        return Err(IdxError::FileTooLarge { bytes });
    }
    Ok(())
}

fn parse_plain(bytes: &[u8]) -> Result<IdxU8, IdxError> {
    if bytes.len() < 4 {
        return Err(IdxError::ShortHeader {
            needed: 4,
            got: bytes.len(),
        });
    }
    if bytes[0] != 0 || bytes[1] != 0 {
        return Err(IdxError::BadMagic {
            found: [bytes[0], bytes[1]],
        });
    }
    if bytes[2] != TYPE_U8 {
        return Err(IdxError::UnsupportedType { code: bytes[2] });
    }
    let rank = bytes[3];
    if !(1..=4).contains(&rank) {
        return Err(IdxError::BadRank { rank });
    }
    let header = 4 + 4 * rank as usize;
    if bytes.len() < header {
        return Err(IdxError::ShortHeader {
            needed: header,
            got: bytes.len(),
        });
    }
    let dims: Vec<usize> = bytes[4..header]
        .chunks_exact(4)
        .map(|c| u32::from_be_bytes([c[0], c[1], c[2], c[3]]) as usize)
        .collect();
    if let Some(index) = dims.iter().position(|&d| d == 0) {
        return Err(IdxError::EmptyDimension { index });
    }
    let described = dims
        .iter()
        .try_fold(1u64, |acc, &d| acc.checked_mul(d as u64))
        .unwrap_or(u64::MAX);
    if described > MAX_BYTES as u64 {
        return Err(IdxError::TooLarge {
            described,
            limit: MAX_BYTES,
        });
    }
    let expected = described as usize;
    let got = bytes.len() - header;
    if got < expected {
        return Err(IdxError::Truncated { expected, got });
    }
    if got > expected {
        return Err(IdxError::TrailingBytes {
            extra: got - expected,
        });
    }
    Ok(IdxU8 {
        dims,
        data: bytes[header..].to_vec(),
    })
}

/// Encodes an array of unsigned bytes as IDX (not compressed).
///
/// # Panics
/// If `dims` is empty or longer than 4, a dimension exceeds `u32::MAX`, or the product of
/// `dims` differs from `data.len()`: these are programming errors, never user input.
pub fn encode_u8(dims: &[usize], data: &[u8]) -> Vec<u8> {
    assert!((1..=4).contains(&dims.len()), "IDX rank must be 1 to 4");
    assert_eq!(
        dims.iter().product::<usize>(),
        data.len(),
        "dims must match data"
    );
    let mut out = Vec::with_capacity(4 + 4 * dims.len() + data.len());
    out.extend_from_slice(&[0, 0, TYPE_U8, dims.len() as u8]);
    for &d in dims {
        let d = u32::try_from(d).expect("IDX dimension fits in u32");
        out.extend_from_slice(&d.to_be_bytes());
    }
    out.extend_from_slice(data);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        enc.write_all(bytes).unwrap();
        enc.finish().unwrap()
    }

    fn sample() -> Vec<u8> {
        encode_u8(&[3, 2, 2], &(0..12).collect::<Vec<u8>>())
    }

    #[test]
    fn round_trips_plain_and_gzipped() {
        let want = IdxU8 {
            dims: vec![3, 2, 2],
            data: (0..12).collect(),
        };
        assert_eq!(parse_u8(&sample()), Ok(want.clone()));
        assert_eq!(parse_u8(&gzip(&sample())), Ok(want));
    }

    /// Every malformed file of this corpus is rejected with the right error, no panic.
    #[test]
    fn rejects_a_corpus_of_broken_files() {
        let good = sample();
        let mut huge = vec![0, 0, 8, 3];
        for d in [u32::MAX, u32::MAX, 2] {
            huge.extend_from_slice(&d.to_be_bytes());
        }
        let mut zero_dim = good.clone();
        zero_dim[4..8].copy_from_slice(&0u32.to_be_bytes());
        let mut bad_gzip = gzip(&good);
        let mid = bad_gzip.len() / 2;
        bad_gzip[mid] ^= 0xff;
        bad_gzip.truncate(mid + 2);
        type Case = (&'static str, Vec<u8>, fn(&IdxError) -> bool);
        let cases: Vec<Case> = vec![
            ("empty", vec![], |e| {
                matches!(e, IdxError::ShortHeader { got: 0, .. })
            }),
            ("three bytes", vec![0, 0, 8], |e| {
                matches!(e, IdxError::ShortHeader { .. })
            }),
            ("text", b"hello world".to_vec(), |e| {
                matches!(e, IdxError::BadMagic { .. })
            }),
            ("png", b"\x89PNG\r\n\x1a\n".to_vec(), |e| {
                matches!(e, IdxError::BadMagic { .. })
            }),
            (
                "float type",
                [&[0u8, 0, 0x0d, 1][..], &1u32.to_be_bytes(), &[0; 4]].concat(),
                |e| matches!(e, IdxError::UnsupportedType { code: 0x0d }),
            ),
            ("rank 0", vec![0, 0, 8, 0], |e| {
                matches!(e, IdxError::BadRank { rank: 0 })
            }),
            ("rank 9", vec![0, 0, 8, 9], |e| {
                matches!(e, IdxError::BadRank { rank: 9 })
            }),
            ("header cut", good[..9].to_vec(), |e| {
                matches!(e, IdxError::ShortHeader { needed: 16, .. })
            }),
            ("zero dimension", zero_dim, |e| {
                matches!(e, IdxError::EmptyDimension { index: 0 })
            }),
            ("overflowing dims", huge, |e| {
                matches!(e, IdxError::TooLarge { .. })
            }),
            ("data cut", good[..good.len() - 1].to_vec(), |e| {
                matches!(
                    e,
                    IdxError::Truncated {
                        expected: 12,
                        got: 11
                    }
                )
            }),
            ("trailing", [&good[..], &[7, 7]].concat(), |e| {
                matches!(e, IdxError::TrailingBytes { extra: 2 })
            }),
            ("gzip cut", gzip(&good)[..12].to_vec(), |e| {
                matches!(e, IdxError::Gzip { .. })
            }),
            ("gzip corrupt", bad_gzip, |e| {
                matches!(e, IdxError::Gzip { .. })
            }),
            ("gzip of text", gzip(b"not idx"), |e| {
                matches!(e, IdxError::BadMagic { .. })
            }),
        ];
        for (name, bytes, expected) in cases {
            match parse_u8(&bytes) {
                Ok(v) => panic!("{name}: accepted as {:?}", v.dims),
                Err(e) => {
                    assert!(expected(&e), "{name}: wrong error {e:?}");
                    assert!(!e.to_string().is_empty());
                }
            }
        }
    }

    #[test]
    fn a_file_over_the_cap_is_refused_before_it_is_read() {
        assert_eq!(
            check_file_size(200_000_000).map_err(|e| e.to_string()),
            Err("the file is 200.0 MB; IDX files of at most 128 MB are accepted".into())
        );
        assert_eq!(check_file_size(MAX_FILE_BYTES), Ok(()));
        let huge = vec![0u8; MAX_FILE_BYTES + 1];
        assert_eq!(
            parse_u8(&huge),
            Err(IdxError::FileTooLarge {
                bytes: MAX_FILE_BYTES + 1
            })
        );
    }

    #[test]
    fn every_truncation_of_a_valid_file_is_rejected() {
        let good = sample();
        for len in 0..good.len() {
            assert!(
                parse_u8(&good[..len]).is_err(),
                "prefix of {len} bytes accepted"
            );
        }
        let zipped = gzip(&good);
        for len in 2..zipped.len() {
            // A cut gzip stream may or may not decode (the trailer is checked last), but it
            // must never decode to a *different* valid file or panic.
            if let Ok(v) = parse_u8(&zipped[..len]) {
                assert_eq!(v.data, (0..12).collect::<Vec<u8>>());
            }
        }
    }
}
