import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/** banks and bank_api_keys. */
@Injectable()
export class BanksStore {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  private m(m: EntityManager | null): EntityManager {
    return m ?? this.dataSource.manager;
  }

  async brief(
    m: EntityManager | null,
    bankId: string,
  ): Promise<{ id: string; code: string; name: string } | undefined> {
    const [bank] = (await this.m(m).query(`SELECT id, code, name FROM banks WHERE id = $1`, [bankId])) as {
      id: string;
      code: string;
      name: string;
    }[];
    return bank;
  }
}
