//! The datasets a run reads in the browser: the shipped ones, fetched from `data/` next to
//! the page on first use and kept for the page's (or the worker's) lifetime, and IDX files
//! the user loads. The page reads them for previews, the engine's worker for runs.

use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;

use bioplay_engine::data::{Dataset, Shipped};

use crate::shell::browser;

thread_local! {
    static SHIPPED: RefCell<HashMap<Shipped, Rc<Dataset>>> = RefCell::new(HashMap::new());
    static CUSTOM: RefCell<Option<Rc<Dataset>>> = const { RefCell::new(None) };
}

/// A shipped dataset, fetched once.
pub(crate) async fn shipped(which: Shipped) -> Result<Rc<Dataset>, String> {
    if let Some(data) = SHIPPED.with(|s| s.borrow().get(&which).cloned()) {
        return Ok(data);
    }
    // Parts of one gzipped file (`Shipped::images_files`): end to end they are the file.
    let mut images = Vec::new();
    for part in which.images_files() {
        images.extend(browser::fetch_bytes(&format!("data/{part}")).await?);
    }
    let labels = browser::fetch_bytes(&format!("data/{}", which.labels_file())).await?;
    let data = Rc::new(
        which
            .from_bytes(&images, &labels)
            .map_err(|e| format!("the shipped {} files are damaged: {e}", which.id()))?,
    );
    SHIPPED.with(|s| s.borrow_mut().insert(which, data.clone()));
    Ok(data)
}

/// Parses the user's IDX files (gzipped or not) and keeps them as the custom dataset.
pub(crate) fn set_custom(images: &[u8], labels: &[u8]) -> Result<Rc<Dataset>, String> {
    let data = Rc::new(
        Dataset::from_idx("custom", images, labels, 10)
            .map_err(|e| format!("these files cannot be used: {e}"))?,
    );
    CUSTOM.with(|c| *c.borrow_mut() = Some(data.clone()));
    Ok(data)
}

/// The custom dataset, if one is loaded.
pub(crate) fn custom() -> Option<Rc<Dataset>> {
    CUSTOM.with(|c| c.borrow().clone())
}
