import { startServer, startupFailureMessage } from './bootstrap';
import { loadConfigOrExit } from './config/config';
import { startupProblem } from './logging/startup-problems';
import { setUpDemoMarketplace } from './pages/demo-setup';

/**
 * `npm run demo`: starts the server on the usual defaults (embedded PostgreSQL under ./.data,
 * test-mode payments against the local Stripe mock), fills it with a small working marketplace
 * through the API (see src/pages/demo-setup.ts) and prints what to open. It keeps serving until
 * Ctrl-C; DEMO_EXIT=1 sets up, prints and stops (for a quick check).
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit();
  if (config.mode === 'production') {
    console.error('npm run demo creates demo users and a paid batch; it refuses to run with NODE_ENV=production.');
    process.exit(1);
  }
  if (!process.env.LOG_LEVEL) config.logLevel = 'warn';
  const problem = await startupProblem(config, 'npm run demo');
  if (problem) {
    console.error(`npm run demo: ${problem}`);
    process.exit(1);
  }
  const server = await startServer(config);
  const publicUrl = server.config.publicUrl;
  const demo = await setUpDemoMarketplace({ apiUrl: server.url, publicUrl });

  const lines = [
    '',
    'OpenGuilds demo is ready.',
    '',
    `  1. Open ${publicUrl}/work`,
    `  2. Sign in with the worker's API key:  ${demo.worker.apiKey}`,
    `  3. "Claim next" at "Label the image", label the shape, submit; then claim again, or check labels at "Check the label".`,
    '',
    `  Worker:    ${demo.worker.email}  (member ${demo.memberId}, subscribed to tasks ${demo.taskIds.join(' and ')})`,
    `  Requester: ${demo.requester.email}  API key ${demo.requester.apiKey}`,
    `  Guild ${demo.guildId}, batch ${demo.batchId} (${demo.datumIds.length} images, paid by card tok_visa)`,
    `  Follow the batch:  ${publicUrl}/console#/batches/${demo.batchId} (the requester console; sign in with the requester's key)`,
    `  Workspace preview: ${publicUrl}/workspaces/demo     API docs: ${publicUrl}/api/docs`,
    '',
    process.env.DEMO_EXIT ? 'DEMO_EXIT is set: stopping.' : 'Press Ctrl-C to stop.',
    '',
  ];
  console.log(lines.join('\n'));

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await server.close();
    process.exit(0);
  };
  if (process.env.DEMO_EXIT) return stop();
  process.on('SIGTERM', () => void stop());
  process.on('SIGINT', () => void stop());
}

main().catch((err) => {
  // one line that says what is wrong (a bare \`undefined\` used to be all it printed); the stack for a bug
  console.error(startupFailureMessage(err));
  process.exit(1);
});
