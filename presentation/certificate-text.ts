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

/** One attribute a line (`type=value`), as node-forge and the certificate views print them. */
export function distinguishedNameText(dn: string): string {
  return dn
    .split('\n')
    .map((line) => line.trim())
    .filter(Boolean)
    .map((line) => {
      const i = line.indexOf('=');
      if (i < 0) return line;
      const label = DN_LABELS[line.slice(0, i)];
      const value = line.slice(i + 1);
      return label ? `${label}：${value}` : value;
    })
    .join('，');
}
