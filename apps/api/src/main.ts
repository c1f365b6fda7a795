import { ConfigError, loadConfig } from '#libs/common';
import { createApi } from './bootstrap.js';

async function main(): Promise<void> {
  let config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(2);
    }
    throw e;
  }
  const app = await createApi({ config });
  await app.listen(config.PORT, '0.0.0.0');
  console.log(`API listening on http://127.0.0.1:${config.PORT} (docs at /docs)`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
