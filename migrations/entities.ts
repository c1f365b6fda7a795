/** Every TypeORM entity of every library, for the migration generator. Each capability adds its entities here. */
export const ENTITIES: (new (...args: never[]) => object)[] = [];
