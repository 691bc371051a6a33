/**
 * The function in a process of its own, loaded as the Lambda runtime loads it: the bundle that
 * `cdk synth` wrote, imported by bare node. Its parent sends events over IPC; each answer carries
 * the wall time and the CPU time (user + system) this process spent on the invocation.
 * Plain JavaScript on purpose: no TypeScript loader may run in the process being measured.
 */
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');

const dir = process.env.BENCH_BUNDLE_DIR;
const file = ['index.mjs', 'index.js'].map((name) => path.join(dir, name)).find((candidate) => fs.existsSync(candidate));

function context(budgetMs, failing) {
  const deadline = Date.now() + budgetMs;
  return {
    awsRequestId: 'bench', functionName: 'bench', memoryLimitInMB: '256',
    invokedFunctionArn: 'arn:aws:lambda:eu-west-1:111122223333:function:bench',
    getRemainingTimeInMillis: () => {
      if (failing) throw new Error('a failure inside the handler, for the stack-trace figure');
      return deadline - Date.now();
    },
  };
}

async function main() {
  const started = performance.now();
  const { handler } = await import(pathToFileURL(file).href);
  const importMs = performance.now() - started;
  process.on('message', async (message) => {
    if (message.op === 'stop') process.exit(0);
    if (message.op === 'invoke') {
      const cpu = process.cpuUsage();
      const began = performance.now();
      let response;
      let error;
      try {
        response = await handler(message.event, context(message.budgetMs));
      } catch (caught) {
        error = { name: caught.name, message: caught.message };
      }
      const wallMs = performance.now() - began;
      const used = process.cpuUsage(cpu);
      process.send({ response, error, wallMs, cpuMs: (used.user + used.system) / 1000, rssMb: process.memoryUsage().rss / 1048576 });
    }
    if (message.op === 'stack') {
      // Errors thrown through the bundle's frames: the first read of a stack formats it (and, with
      // source maps on, decodes the map); the second shows the cost once that is done.
      const stackReadMs = async () => {
        let caught;
        try {
          await handler(message.event, context(1000, true));
        } catch (error) {
          caught = error;
        }
        const began = performance.now();
        const stack = String(caught && caught.stack);
        return { ms: performance.now() - began, mapped: /\.ts:\d+/.test(stack) };
      };
      const first = await stackReadMs();
      const second = await stackReadMs();
      process.send({ firstMs: first.ms, secondMs: second.ms, mapped: first.mapped });
    }
  });
  process.send({ ready: true, importMs });
}

main().catch((error) => {
  process.stderr.write(`${error && error.stack}\n`);
  process.exit(1);
});
