// `convergent serve [--port N]`: the study as a web page (dist/web/, written by `npm run build`)
// on localhost, until interrupted. The page does everything in the browser; the server only
// hands out its files (src/web/server.ts).
import { serveStatic, webRoot } from '../../src/web/server.js';
import { defineCommand } from '../command.js';
import type { CliContext } from '../context.js';
import { integerOption } from '../flags.js';
import { print } from '../output.js';

export function serveCommand(_ctx: CliContext) {
  return defineCommand({
    command: 'serve',
    describe: 'serve the web page (the study in the browser: WebGPU or WASM, nothing uploaded) on localhost',
    builder: (y) => y.option('port', integerOption('--port', 'the port on localhost (0: any free port)', 0, 65535, 8731)),
    handler: async (argv) => {
      const { url } = await serveStatic(webRoot(), argv.port);
      print(`serving the convergent web page on ${url} (Ctrl-C to stop)\n`);
      await new Promise(() => {}); // the server keeps running until the process is interrupted
    },
  });
}
