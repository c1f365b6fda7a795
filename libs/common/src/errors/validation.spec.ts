import { getMetadataStorage, IsInt, IsString, registerDecorator, validate } from 'class-validator';
import { rememberValidationMetadata } from './validation.js';

class Parent {
  @IsString()
  name!: string;
}

class Child extends Parent {
  @IsInt()
  count!: number;
}

const rules = (target: new () => object) =>
  getMetadataStorage()
    .getTargetValidationMetadatas(target, '', true, false)
    .map((m) => `${m.propertyName}:${m.name ?? m.type}`)
    .sort();

describe('rememberValidationMetadata', () => {
  beforeAll(() => rememberValidationMetadata());

  it("answers a class's own and inherited rules as class-validator does", async () => {
    expect(rules(Child)).toEqual(['count:isInt', 'name:isString']);
    expect(rules(Parent)).toEqual(['name:isString']);
    const errors = await validate(Object.assign(new Child(), { name: 1, count: 'x' }));
    expect(errors.map((e) => e.property).sort()).toEqual(['count', 'name']);
  });

  it('gives each caller its own list', () => {
    const first = getMetadataStorage().getTargetValidationMetadatas(Child, '', true, false);
    first.length = 0;
    expect(rules(Child)).toHaveLength(2);
  });

  it('forgets what it kept when a rule is registered later, for the class and the classes inheriting it', async () => {
    expect(rules(Child)).toEqual(['count:isInt', 'name:isString']);
    registerDecorator({
      name: 'isShort',
      target: Parent,
      propertyName: 'name',
      validator: { validate: (v: unknown) => typeof v === 'string' && v.length < 5 },
    });
    expect(rules(Parent)).toEqual(['name:isShort', 'name:isString']);
    expect(rules(Child)).toEqual(['count:isInt', 'name:isShort', 'name:isString']);
    const errors = await validate(Object.assign(new Child(), { name: 'too long', count: 1 }));
    expect(errors.map((e) => Object.keys(e.constraints ?? {}))).toEqual([['isShort']]);
  });

  it('wraps the storage once however often it is called', () => {
    const lookup = getMetadataStorage().getTargetValidationMetadatas;
    rememberValidationMetadata();
    expect(getMetadataStorage().getTargetValidationMetadatas).toBe(lookup);
  });
});
