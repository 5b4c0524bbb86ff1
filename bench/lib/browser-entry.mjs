// The page side of the browser benchmark: bundled with esbuild by the server (which points the
// dist/index.js import at the run's snapshot of dist/), driven by playwright.
import * as sseKit from '../../dist/index.js';
import { reconnect, throughput, useSseKit } from './clients.mjs';

useSseKit(sseKit);
window.bench = { throughput, reconnect };
