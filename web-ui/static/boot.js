// Starts the page (a file, not an inline script, so the CSP needs no 'unsafe-inline').
import init from './app.js';

await init({ module_or_path: './app_bg.wasm' });
