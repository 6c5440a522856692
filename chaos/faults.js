// The faults, one at a time. Each returns the milliseconds from its start until the platform served
// the affected route again (a probe through the gateway), or null when not measured.
'use strict';
const { sleep } = require('./load');

module.exports = { FAULTS: {}, SHORT: [] };
