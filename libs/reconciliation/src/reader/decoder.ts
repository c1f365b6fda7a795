/** The statement decoder is the one decoder of every upload (libs/common sheets). */
export { SheetDecoder as StatementDecoder } from '#libs/common';
