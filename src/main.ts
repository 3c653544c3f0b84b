import { startServer, startupFailureMessage } from './bootstrap';
import { loadConfigOrExit } from './config/config';

async function main(): Promise<void> {
  const config = loadConfigOrExit();
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
