/**
 * The platform's (simulated) provincial CA by name: public facts, apart from usecases/certificate-store.ts so that
 * the API can find the CA's certificate without importing code that decrypts keys (issue 11 Build 5).
 */
export const CA_ID = 'provincial-egov-ca';
export const CA_NAME = '山西省电子政务数字证书认证中心（平台模拟）';
