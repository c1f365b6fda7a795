import {
  Controller,
  type INestApplication,
  type MiddlewareConsumer,
  Module,
  type NestModule,
  Post,
} from '@nestjs/common';
import { APP_INTERCEPTOR } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import request from 'supertest';
import type { App } from 'supertest/types.js';
import {
  IdempotencyKey,
  IdempotentReplayInterceptor,
  noteIdempotentReplay,
  RequestContext,
  runIdempotent,
} from '#libs/common';
import { createTestDatabase, type TestDatabase } from '#libs/testing';

/**
 * The Idempotent-Replayed header comes from the shared mechanism: runIdempotent records a replay of the request's
 * own Idempotency-Key and IdempotentReplayInterceptor (registered for the whole API) sends the header, so no
 * controller sets it by hand. A replay of another key (a bulk request's row) does not mark the response.
 */
let db: TestDatabase;
let app: INestApplication;
let http: App;

@Controller('t')
class ProbeController {
  @Post('op')
  op(@IdempotencyKey() key: string) {
    return db.dataSource.transaction(
      async (m) => (await runIdempotent(m, 'probe:op', key, {}, async () => ({ ok: key }))).result,
    );
  }

  @Post('bulk')
  async bulk(@IdempotencyKey() key: string) {
    return db.dataSource.transaction(async (m) => {
      const row = await runIdempotent(m, 'probe:bulk', `${key}:row1`, {}, async () => 1);
      return { replayedRows: row.replayed ? 1 : 0 };
    });
  }

  @Post('upload')
  upload() {
    noteIdempotentReplay();
    return { same: true };
  }
}

@Module({
  controllers: [ProbeController],
  providers: [{ provide: APP_INTERCEPTOR, useClass: IdempotentReplayInterceptor }],
})
class ProbeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer
      .apply((_req: unknown, _res: unknown, next: () => void) => RequestContext.run({ requestId: 'r' }, next))
      .forRoutes('*path');
  }
}

beforeAll(async () => {
  db = await createTestDatabase(4);
  const moduleRef = await Test.createTestingModule({ imports: [ProbeModule] }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  await app.init();
  http = app.getHttpServer() as App;
});
afterAll(async () => {
  await app?.close();
  await db?.drop();
});

describe('Idempotent-Replayed', () => {
  it('is absent on the first request and "true" on a replay of the same key', async () => {
    const key = { 'Idempotency-Key': `probe-${Date.now()}-a` };
    const first = await request(http).post('/t/op').set(key).expect(201);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    const again = await request(http).post('/t/op').set(key).expect(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toEqual(first.body);
  });

  it('is not sent when only a sub-operation under another key replayed', async () => {
    const key = { 'Idempotency-Key': `probe-${Date.now()}-b` };
    await request(http).post('/t/bulk').set(key).expect(201);
    const again = await request(http).post('/t/bulk').set(key).expect(201);
    expect(again.body).toEqual({ replayedRows: 1 });
    expect(again.headers['idempotent-replayed']).toBeUndefined();
  });

  it('is sent for a replay found another way (noteIdempotentReplay without a key)', async () => {
    const res = await request(http).post('/t/upload').expect(201);
    expect(res.headers['idempotent-replayed']).toBe('true');
  });
});
