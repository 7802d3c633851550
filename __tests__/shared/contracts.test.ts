/**
 * Where shipped code keeps a contract's value as a literal (so that its bundle did not change when the contract
 * module came), the compiler ties the literal's type to the contract; these compare the values too. And each
 * function's table bindings read back as the tables they name.
 */
import { EXTENSION_BY_CONTENT_TYPE } from "../../handlers/api/uploads";
import {
  FUNCTIONS,
  tableNamesFrom,
  tablesOfFunction,
  tableVariables,
  type FunctionName,
  type TableBinding,
} from "../../shared/contracts/functions";
import { UPLOAD_IMAGE_TYPES } from "../../shared/contracts/limits";
import { TABLE_NAMES } from "../../shared/contracts/tables";
import { ACCEPTED_TYPES } from "../../web/src/upload";

it("the site's file picker accepts the contract's image types, in its order", () => {
  expect(ACCEPTED_TYPES).toEqual(Object.keys(UPLOAD_IMAGE_TYPES));
});

it("the API names upload keys with the contract's extensions", () => {
  expect(EXTENSION_BY_CONTENT_TYPE).toEqual(UPLOAD_IMAGE_TYPES);
});

describe("each function's tables", () => {
  const functions = Object.keys(FUNCTIONS) as FunctionName[];

  it.each(functions)("%s: a variable per table, read back as the table's name where it runs", (fn) => {
    const names = tableVariables(fn, ({ table }) => `${table}-where-it-runs`);
    expect(Object.keys(names).every((variable) => /^[A-Z][A-Z0-9_]*_TABLE$/.test(variable))).toBe(true);
    expect(tableNamesFrom(fn, names)).toEqual(
      Object.fromEntries(tablesOfFunction(fn).map((table) => [table, `${table}-where-it-runs`])),
    );
  });

  it("name tables of the contract and grant each at least one action", () => {
    for (const fn of functions)
      for (const binding of Object.values<TableBinding>(FUNCTIONS[fn].tables)) {
        expect(TABLE_NAMES).toContain(binding.table);
        expect(binding.actions.length).toBeGreaterThan(0);
      }
  });
});
