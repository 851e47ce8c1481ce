/**
 * Certificate subjects and validity for the pure PKI tests (certificates, seal signatures, licence verification):
 * two county market regulation bureaus with valid USCCs, and a three-year certificate window.
 */
export const ZZ_AMR_SUBJECT = {
  name: '泽州县市场监督管理局',
  uscc: '11140525000120379A',
  province: '山西省',
  locality: '晋城市',
};

export const GP_AMR_SUBJECT = {
  name: '高平市市场监督管理局',
  uscc: '11140581000120383K',
  province: '山西省',
  locality: '晋城市',
};

export const CERTIFICATE_VALIDITY = {
  notBefore: new Date('2025-03-01T00:00:00.000Z'),
  notAfter: new Date('2028-02-29T23:59:59.000Z'),
};

/** A signing time inside CERTIFICATE_VALIDITY. */
export const SIGNING_TIME = new Date('2026-11-27T03:00:00.000Z');
