/** What the hub uses of libphonenumber, alone in a module so the chunk loaded beside the hub holds only that. */
export { parsePhoneNumberFromString } from 'libphonenumber-js/min';
