/**
 * Where shipped code keeps a contract's value as a literal (so that its bundle did not change when the contract
 * module came), the compiler ties the literal's type to the contract; these compare the values too.
 */
import { EXTENSION_BY_CONTENT_TYPE } from "../../handlers/api/uploads";
import { UPLOAD_IMAGE_TYPES } from "../../shared/contracts/limits";
import { ACCEPTED_TYPES } from "../../web/src/upload";

it("the site's file picker accepts the contract's image types, in its order", () => {
  expect(ACCEPTED_TYPES).toEqual(Object.keys(UPLOAD_IMAGE_TYPES));
});

it("the API names upload keys with the contract's extensions", () => {
  expect(EXTENSION_BY_CONTENT_TYPE).toEqual(UPLOAD_IMAGE_TYPES);
});
