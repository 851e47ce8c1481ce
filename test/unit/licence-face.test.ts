/**
 * The licence face (SM-10, api/services/licence-face.ts): sensitive items and a natural person's name and ID are masked
 * when asked (public page, copies); only copies say 视同复印件 and carry the QR code; data and metadata are escaped,
 * so a licence's data cannot inject markup; a face template that does not parse is reported, not thrown at render.
 */
import { catalogueSeed, LICENCE_TYPE_NAMES } from '../../db/licence-catalogue-seed';
import type { LicenceMetadata } from '../../domain/licence';
import { LicenceTypeDefinition } from '../../domain/licence-type-schema';
import {
  FaceInput,
  faceTemplateProblem,
  faceTemplateSafetyProblems,
  renderFace,
  renderFaceDocument,
  sanitizeFaceTemplate,
} from '../../api/services/licence-face';

const definitionOf = (name: string) =>
  LicenceTypeDefinition.parse(catalogueSeed().find((d) => d.name === name));

const identityCard = definitionOf(LICENCE_TYPE_NAMES.identityCard);
const businessLicence = definitionOf(LICENCE_TYPE_NAMES.businessLicence);

const IDENTIFIER = '1.2.156.3005.2.11100000000019713D001.11140525000120379A.0000001.001.X';
const VERIFY_URL = `http://localhost:3000/verify/${IDENTIFIER}`;

const metadata = (overrides: Partial<LicenceMetadata> = {}): FaceInput['metadata'] => ({
  name: LICENCE_TYPE_NAMES.identityCard,
  typeCode: identityCard.code,
  identifier: IDENTIFIER,
  licenceNumber: '140525199003150000',
  version: 1,
  previousIdentifier: null,
  issuer: { name: '泽州县公安局', code: '11140525000120379A' },
  issueDate: '2026-11-27',
  holder: { name: '张伟强', code: '140525199003151234', codeType: '111' },
  validFrom: '2026-11-27',
  validTo: '2046-11-26',
  ...overrides,
});

const DATA = {
  gender: '男',
  ethnicity: '汉',
  birthDate: '1990-03-15',
  address: '山西省晋城市泽州县巴公镇东四义村',
};

const face = (input: Partial<FaceInput>) =>
  renderFace({
    definition: identityCard,
    metadata: metadata(),
    data: DATA,
    masked: false,
    copy: false,
    verifyUrl: VERIFY_URL,
    ...input,
  });

describe('masking', () => {
  it('unmasked: the full name, ID and sensitive items', () => {
    const html = face({ masked: false });
    expect(html).toContain('张伟强');
    expect(html).toContain('140525199003151234');
    expect(html).toContain('山西省晋城市泽州县巴公镇东四义村');
    expect(html).not.toContain('敏感信息已脱敏');
  });

  it('masked: surname only, ID 6 + 4, sensitive items by their rule; others in full', () => {
    const html = face({ masked: true });
    expect(html).toContain('张**');
    expect(html).not.toContain('张伟强');
    expect(html).toContain('140525********1234');
    expect(html).not.toContain('140525199003151234');
    expect(html).toContain('山西省晋城市**********');
    expect(html).not.toContain('巴公镇');
    expect(html).toContain('1990******');
    expect(html).toContain('<td>汉</td>');
    expect(html).toContain('敏感信息已脱敏');
  });

  it('masked legal person: the organisation name stays, the legal representative is masked', () => {
    const html = renderFace({
      definition: businessLicence,
      metadata: metadata({
        name: LICENCE_TYPE_NAMES.businessLicence,
        holder: { name: '晋城市丹河煤业有限公司', code: '91140525MA0K1234X7', codeType: '001' },
      }),
      data: { ...businessLicence.face.sample, legalRepresentative: '王志刚' },
      masked: true,
      copy: false,
      verifyUrl: VERIFY_URL,
    });
    expect(html).toContain('晋城市丹河煤业有限公司');
    expect(html).toContain('王**');
    expect(html).not.toContain('王志刚');
  });
});

describe('copies', () => {
  it('only a copy says 视同复印件 and carries the QR code and the verification address', () => {
    const page = face({ masked: true, copy: false });
    expect(page).not.toContain('视同复印件');
    expect(page).not.toContain('<svg');
    const copy = face({ masked: true, copy: true, qrSvg: '<svg id="qr"></svg>' });
    expect(copy).toContain('视同复印件');
    expect(copy).toContain('<svg id="qr"></svg>');
    expect(copy).toContain(`href="${VERIFY_URL}"`);
    expect(copy).toContain('is-copy');
  });

  it('the printable document inlines the face style sheet and the face', () => {
    const html = renderFaceDocument({
      definition: identityCard,
      metadata: metadata(),
      data: DATA,
      masked: true,
      copy: true,
      verifyUrl: VERIFY_URL,
      qrSvg: '<svg id="qr"></svg>',
      title: '居民身份证（副本）',
    });
    expect(html).toMatch(/^<!doctype html>/i);
    expect(html).toContain('<title>居民身份证（副本）</title>');
    expect(html).toContain('.licence-face');
    expect(html).toContain('视同复印件');
  });
});

describe('escaping', () => {
  it('HTML in data items and metadata is escaped, not rendered', () => {
    const html = face({
      data: { ...DATA, ethnicity: '<script>alert(1)</script>' },
      metadata: metadata({ holder: { name: '<b>张</b>', code: '140525199003151234', codeType: '111' } }),
      sealImprintDataUrl: 'data:image/svg+xml;base64,PHN2Zy8+',
    });
    expect(html).not.toContain('<script>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).not.toContain('<b>张</b>');
    expect(html).toContain('&lt;b&gt;张&lt;/b&gt;');
    expect(html).toContain('class="face-seal"');
  });

  it('a custom template lays data out as written, data escaped', () => {
    // Face templates are the catalogue administrator's: escaping protects against licence data, and the layout
    // the administrator writes is rendered as written.
    const html = renderFace({
      definition: {
        ...identityCard,
        face: { ...identityCard.face, template: '<p class="x">{{data.gender}}</p>' },
      },
      metadata: metadata(),
      data: { ...DATA, gender: '"><img src=x>' },
      masked: false,
      copy: false,
      verifyUrl: VERIFY_URL,
    });
    expect(html).toContain('<p class="x">');
    expect(html).not.toContain('<img src=x>');
  });
});

describe('face templates', () => {
  it('a template that parses has no problem; one with a syntax error is reported in Chinese', () => {
    expect(faceTemplateProblem(identityCard.face.template)).toBeUndefined();
    expect(faceTemplateProblem('<p>{{#if data.gender}}未闭合</p>')).toMatch(/^照面模板语法错误：/);
    expect(faceTemplateProblem('{{data.gender')).toMatch(/^照面模板语法错误：/);
  });

  it('a template may not call helpers outside the known few', () => {
    expect(faceTemplateProblem('{{shout data.gender}}')).toMatch(/^照面模板语法错误：/);
  });
});

describe('face templates: the allowlist (sanitize-html)', () => {
  it.each([
    ['a <script> element', '<p>{{data.gender}}</p><script>alert(1)</script>', '不允许使用元素 <script>'],
    ['an event attribute', '<td onclick="alert(1)">{{data.gender}}</td>', '不允许使用事件属性 onclick'],
    ['a javascript: link', '<a href="javascript:alert(1)">x</a>', 'javascript:'],
    ['an encoded javascript: URL', '<p class="&#x6A;avascript:alert(1)">x</p>', 'javascript:'],
    ['the unescaped {{{x}}}', '<p>{{{data.gender}}}</p>', '{{{…}}}'],
    ['a partial', '<p>{{> evil}}</p>', '{{> …}}'],
    ['a namespaced script', '<x:script>alert(1)</x:script>', '<x:script>'],
  ])('%s is a problem', (_what, template, words) => {
    expect(faceTemplateSafetyProblems(template).join(' ')).toContain(words);
  });

  it('the seeded faces have no problem and are stored unchanged', () => {
    for (const d of [identityCard, businessLicence]) {
      expect(faceTemplateSafetyProblems(d.face.template)).toEqual([]);
      expect(sanitizeFaceTemplate(d.face.template)).toBe(d.face.template);
    }
  });

  it('a row saved before the rules renders without its script and with {{{x}}} escaped', () => {
    const legacy = {
      ...identityCard,
      face: {
        ...identityCard.face,
        template:
          '<p onclick="x()">{{{data.address}}}</p><script>alert(1)</script><img src=x onerror=alert(1)>',
      },
    };
    const html = face({ definition: legacy, data: { ...DATA, address: '<b>巴公镇</b>' } });
    expect(html).not.toMatch(/<script|onclick|onerror|<img src="x"|<b>巴公镇/);
    expect(html).toContain('&lt;b&gt;巴公镇&lt;/b&gt;');
  });
});
