import { expect } from 'chai';
import { phoneNumbersReady, toNumber } from '../../src/shared/phone-number.ts';

describe('the number a call record keeps', () => {
  // The metadata loads beside the hub; every path that reads numbers awaits it, as this does.
  before(() => phoneNumbersReady);

  it('normalises international numbers to E.164 whatever their punctuation', () => {
    expect(toNumber('+44 1632 960123')).to.equal('+441632960123');
    expect(toNumber('00441632960123')).to.equal('+441632960123');
    expect(toNumber('+1 (202) 555-0147')).to.equal('+12025550147');
  });

  it('reads national numbers in the configured country, and only then', () => {
    expect(toNumber('01632960123', 'GB')).to.equal('+441632960123');
    expect(toNumber('01632960123')).to.equal('01632960123');
  });

  it('keeps extensions and SIP user names as the PBX sent them', () => {
    expect(toNumber('1002', 'GB')).to.equal('1002');
    expect(toNumber('123456', 'DE')).to.equal('123456');
    expect(toNumber('alice')).to.equal('alice');
    expect(toNumber('*97')).to.equal('*97');
  });
});
