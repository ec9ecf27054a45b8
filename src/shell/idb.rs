//! IndexedDB as the run history needs it: one object store of text values by key, opened
//! once per page, and put, delete, clear and read-all as futures that end when the browser
//! has committed the transaction (or says why it could not: a full disk is its own error).
//!
//! Direct web-sys rather than a wrapper crate: these are four operations, and telling
//! `QuotaExceededError` apart needs the `DOMException` a transaction aborts with.

use std::cell::RefCell;
use std::rc::Rc;

use futures::channel::oneshot;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::IdbTransactionMode;
use web_sys::{EventTarget, IdbDatabase, IdbObjectStore, IdbRequest, IdbTransaction};

/// The database's name and version, and its one object store.
const NAME: &str = "bioplay";
const VERSION: u32 = 1;
const STORE: &str = "runs";

/// Why a storage operation failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DbError {
    /// No IndexedDB here (a private window of some browsers, or storage turned off).
    #[error("this browser offers no database to this page")]
    Unavailable,
    /// The site's storage quota is used up.
    #[error("this browser's storage for this site is full")]
    QuotaExceeded,
    /// Anything else, as the browser named it.
    #[error("{name}: {message}")]
    Failed {
        /// The `DOMException`'s name.
        name: String,
        /// Its message.
        message: String,
    },
}

impl DbError {
    fn from_dom(error: Option<web_sys::DomException>) -> Self {
        match error {
            Some(e) if e.name() == "QuotaExceededError" => DbError::QuotaExceeded,
            Some(e) => DbError::Failed {
                name: e.name(),
                message: e.message(),
            },
            None => DbError::Failed {
                name: "Error".into(),
                message: "the browser gave no reason".into(),
            },
        }
    }

    fn from_js(value: JsValue) -> Self {
        match value.dyn_into::<web_sys::DomException>() {
            Ok(e) => DbError::from_dom(Some(e)),
            Err(other) => DbError::Failed {
                name: "Error".into(),
                message: other.as_string().unwrap_or_else(|| format!("{other:?}")),
            },
        }
    }
}

thread_local! {
    static OPEN: RefCell<Option<IdbDatabase>> = const { RefCell::new(None) };
}

/// Waits for `ok` or `fail` on `target`; true for `ok`.
async fn settle(target: &EventTarget, ok: &str, fail: &str) -> bool {
    let (sender, receiver) = oneshot::channel::<bool>();
    let sender = Rc::new(RefCell::new(Some(sender)));
    let listener = |value: bool| {
        let sender = sender.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Some(s) = sender.borrow_mut().take() {
                let _ = s.send(value);
            }
        })
    };
    let (on_ok, on_fail) = (listener(true), listener(false));
    let _ = target.add_event_listener_with_callback(ok, on_ok.as_ref().unchecked_ref());
    let _ = target.add_event_listener_with_callback(fail, on_fail.as_ref().unchecked_ref());
    let outcome = receiver.await.unwrap_or(false);
    let _ = target.remove_event_listener_with_callback(ok, on_ok.as_ref().unchecked_ref());
    let _ = target.remove_event_listener_with_callback(fail, on_fail.as_ref().unchecked_ref());
    outcome
}

/// The result of a request, once it succeeded.
async fn request(request: IdbRequest) -> Result<JsValue, DbError> {
    if settle(&request, "success", "error").await {
        request.result().map_err(DbError::from_js)
    } else {
        Err(DbError::from_dom(request.error().ok().flatten()))
    }
}

/// Waits until `transaction` is committed.
async fn committed(transaction: IdbTransaction) -> Result<(), DbError> {
    if settle(&transaction, "complete", "abort").await {
        Ok(())
    } else {
        Err(DbError::from_dom(transaction.error()))
    }
}

/// The database, opened (and created) on first use.
async fn database() -> Result<IdbDatabase, DbError> {
    if let Some(db) = OPEN.with(|o| o.borrow().clone()) {
        return Ok(db);
    }
    let factory = web_sys::window()
        .ok_or(DbError::Unavailable)?
        .indexed_db()
        .map_err(DbError::from_js)?
        .ok_or(DbError::Unavailable)?;
    let open = factory
        .open_with_u32(NAME, VERSION)
        .map_err(DbError::from_js)?;
    let upgrade = {
        let open = open.clone();
        Closure::<dyn FnMut(web_sys::Event)>::new(move |_| {
            if let Ok(db) = open.result().and_then(|r| r.dyn_into::<IdbDatabase>())
                && !db.object_store_names().contains(STORE)
            {
                let _ = db.create_object_store(STORE);
            }
        })
    };
    open.set_onupgradeneeded(Some(upgrade.as_ref().unchecked_ref()));
    let result = request(open.clone().into()).await;
    open.set_onupgradeneeded(None);
    let db: IdbDatabase = result?.dyn_into().map_err(DbError::from_js)?;
    OPEN.with(|o| *o.borrow_mut() = Some(db.clone()));
    Ok(db)
}

/// A transaction over the store and the store in it.
async fn store(mode: IdbTransactionMode) -> Result<(IdbTransaction, IdbObjectStore), DbError> {
    let db = database().await?;
    let transaction = db
        .transaction_with_str_and_mode(STORE, mode)
        .map_err(DbError::from_js)?;
    let store = transaction.object_store(STORE).map_err(DbError::from_js)?;
    Ok((transaction, store))
}

/// Writes `entries` (key, text) in one transaction: all of them or, on failure, none.
pub(crate) async fn put_all(entries: &[(String, String)]) -> Result<(), DbError> {
    let (transaction, store) = store(IdbTransactionMode::Readwrite).await?;
    for (key, text) in entries {
        store
            .put_with_key(&JsValue::from_str(text), &JsValue::from_str(key))
            .map_err(DbError::from_js)?;
    }
    committed(transaction).await
}

/// Removes the entry `key`, if there is one.
pub(crate) async fn delete(key: &str) -> Result<(), DbError> {
    let (transaction, store) = store(IdbTransactionMode::Readwrite).await?;
    store
        .delete(&JsValue::from_str(key))
        .map_err(DbError::from_js)?;
    committed(transaction).await
}

/// Removes every entry.
pub(crate) async fn clear() -> Result<(), DbError> {
    let (transaction, store) = store(IdbTransactionMode::Readwrite).await?;
    store.clear().map_err(DbError::from_js)?;
    committed(transaction).await
}

/// Every entry's text, in key order (entries that are not text are skipped).
pub(crate) async fn read_all() -> Result<Vec<String>, DbError> {
    let (_, store) = store(IdbTransactionMode::Readonly).await?;
    let all = request(store.get_all().map_err(DbError::from_js)?).await?;
    let all: js_sys::Array = all.dyn_into().map_err(DbError::from_js)?;
    Ok(all.iter().filter_map(|v| v.as_string()).collect())
}
