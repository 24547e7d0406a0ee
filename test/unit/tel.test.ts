import { expect } from 'chai';
import { parseTel } from '../../src/components/call/tel.ts';

describe('phone links (tel: URIs)', () => {
  it('drops visual separators and keeps the "+" of a global number', () => {
    expect(parseTel('tel:+1-201-555-0123')).to.deep.equal({ number: '+12015550123' });
    expect(parseTel('tel:+44.1632.960.123')).to.deep.equal({ number: '+441632960123' });
    expect(parseTel('tel:(0161) 496 0000')).to.deep.equal({ number: '01614960000' });
    expect(parseTel('TEL:1003')).to.deep.equal({ number: '1003' });
  });

  it('reads the link as the browser hands it over: percent-encoded, once or twice', () => {
    expect(parseTel('tel%3A%2B44%201632%20960123')).to.deep.equal({ number: '+441632960123' });
    expect(parseTel('tel%3A%252B44%25201632%2520960123')).to.deep.equal({ number: '+441632960123' });
  });

  it('keeps ;ext= apart and ignores other parameters', () => {
    expect(parseTel('tel:+1-201-555-0123;ext=45')).to.deep.equal({ number: '+12015550123', extension: '45' });
    expect(parseTel('tel:+1-201-555-0123;isub=1411;ext=1-2')).to.deep.equal({ number: '+12015550123', extension: '12' });
  });

  it('completes a local number from a global phone-context, and drops the trunk "(0)"', () => {
    expect(parseTel('tel:863-1234;phone-context=+1-914-555')).to.deep.equal({ number: '+19145558631234' });
    expect(parseTel('tel:7042;phone-context=example.com')).to.deep.equal({ number: '7042' });
    expect(parseTel('+44 (0)1632 960123')).to.deep.equal({ number: '+441632960123' });
    expect(parseTel('tel:*97#')).to.deep.equal({ number: '*97#' });
  });

  it('names what is wrong with a link that holds no number', () => {
    for (const bad of ['tel:', 'tel:call-me-maybe', 'tel:+44 1632;ext=abc', 'tel:%E0%A4%A', 'javascript:alert(1)']) {
      expect(() => parseTel(bad), bad).to.throw(/no number to call/).with.property('name', 'InvalidTelLink');
    }
  });
});
