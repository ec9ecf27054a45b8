//! The engine worker's entry point (built for wasm32 by trunk as a Web Worker module): it
//! starts the compute backend and trains whatever the page asks for. Natively it only
//! explains itself.

#[cfg(target_arch = "wasm32")]
fn main() {
    bioplay::start_worker();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "bioplay-worker is the web app's engine worker, loaded by the page: run `make serve` \
         and open the printed address."
    );
    std::process::exit(2);
}
