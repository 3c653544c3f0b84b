import { startServer } from './bootstrap';
import { loadConfigOrExit } from './config/config';
import { describeStartupError, startupProblem } from './logging/startup-problems';

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
  console.error(`OpenGuilds could not start: ${describeStartupError(err)}`);
  process.exit(1);
});
