//! The web app's entry point (built for wasm32 by trunk). Natively it only explains itself.

#[cfg(target_arch = "wasm32")]
fn main() {
    bioplay::start();
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!(
        "bioplay is a web app: run `make serve` and open the printed address, \
         or use the native runner `cargo run --release -p bioplay-runner -- --help`."
    );
    std::process::exit(2);
}
