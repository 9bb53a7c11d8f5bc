// dc-polyfill ships no types; it is the node:diagnostics_channel API (the same object on Node >= 20.13).
declare module 'dc-polyfill' {
  import dc = require('node:diagnostics_channel');
  export = dc;
}
