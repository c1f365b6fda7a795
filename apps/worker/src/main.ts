import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import {
  AppLogger,
  ConfigError,
  createRootLogger,
  loadConfig,
  NestPinoLogger,
  prettyLogs,
  type AppConfig,
} from '#libs/common';
import { WorkerModule } from './worker.module.js';

async function main(): Promise<void> {
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const logger = createRootLogger(config.LOG_LEVEL, 'worker', undefined, { pretty: prettyLogs(config) });
  const app = await NestFactory.createApplicationContext(
    WorkerModule.forRoot({ config, rootLogger: logger }),
    {
      bufferLogs: true,
    },
  );
  app.useLogger(new AppLogger(app.get(NestPinoLogger)));
  // On SIGTERM/SIGINT Nest closes the BullMQ workers, which wait for their in-flight jobs, then the process exits 0.
  app.enableShutdownHooks([], { useProcessExit: true });
  await app.init();
  logger.info({ queuePrefix: config.QUEUE_PREFIX }, 'worker started');
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
