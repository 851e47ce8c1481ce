/**
 * A certificate's distinguished name in words (issue 17 Build 3): `CN=…\nO=…\norganizationIdentifier=…` reads
 * 名称：…，单位：…，统一社会信用代码：…; attributes without a Chinese name keep only their value.
 */
const DN_LABELS: Record<string, string> = {
  CN: '名称',
  commonName: '名称',
  O: '单位',
  organizationName: '单位',
  OU: '部门',
  organizationalUnitName: '部门',
  C: '国家',
  countryName: '国家',
  ST: '省份',
  stateOrProvinceName: '省份',
  L: '城市',
  localityName: '城市',
  organizationIdentifier: '统一社会信用代码',
  serialNumber: '编号',
  E: '电子邮箱',
  emailAddress: '电子邮箱',
};

/** Country codes as written in certificates (`C=CN`). */
const COUNTRY_NAMES: Record<string, string> = { CN: '中国' };

/** One attribute a line (`type=value`), as node-forge and the certificate views print them. */
export function distinguishedNameText(dn: string): string {
  return dn
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const i = line.indexOf('=');
      if (i < 0) return line;
      const key = line.slice(0, i);
      const label = DN_LABELS[key];
      const raw = line.slice(i + 1);
      const value = key === 'C' || key === 'countryName' ? (COUNTRY_NAMES[raw] ?? raw) : raw;
      return label ? `${label}：${value}` : value;
    })
    .join('，');
}
