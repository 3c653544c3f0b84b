import { startServer, startupFailureMessage } from './bootstrap';
import { loadConfigOrExit } from './config/config';
import { startupProblem } from './logging/startup-problems';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
  const problem = await startupProblem(config);
  if (problem) {
    console.error(problem);
    process.exit(1);
  }
  const server = await startServer(config);
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    server.logger.info({ signal }, 'shutting down');
    await server.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

main().catch((err) => {
  // one line that says what is wrong (a bare \`undefined\` used to be all it printed); the stack for a bug
  console.error(startupFailureMessage(err));
  process.exit(1);
});
