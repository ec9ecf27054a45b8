// Trunk initializer: reports download progress of the WebAssembly module into the boot
// message of index.html, and turns a failed load into clear words instead of a blank page.
export default function bioplayLoader() {
  const boot = () => window.__bioplayBoot;
  return {
    onStart() {
      boot()?.progress(0, 0);
    },
    onProgress({ current, total }) {
      boot()?.progress(current, total);
    },
    onComplete() {},
    onSuccess() {
      boot()?.loaded();
    },
    onFailure(error) {
      const detail = error && error.message ? error.message : String(error);
      boot()?.fail(
        "The app's WebAssembly module could not be loaded or started (" + detail + "). " +
          "Reload the page; if this keeps happening, your browser may block WebAssembly " +
          "or the site is incomplete."
      );
    },
  };
}
