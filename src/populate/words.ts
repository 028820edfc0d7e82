/** Small vocabularies for realistic-looking generated rows. */
export const FIRST_NAMES = Object.freeze([
  'Ada', 'Alan', 'Amara', 'Ana', 'Arjun', 'Beatriz', 'Bjorn', 'Chen', 'Chloé', 'Dmitri', 'Elena', 'Emeka',
  'Fatima', 'François', 'Grace', 'Hana', 'Ingrid', 'Ivan', 'Jamal', 'José', 'Kenji', 'Lars', 'Leila', 'Liam',
  'Mai', 'Mateo', 'Mei', 'Nadia', 'Noah', 'Olga', 'Omar', 'Priya', 'Rafael', 'Rosa', 'Sakura', 'Sofia',
  'Søren', 'Tariq', 'Uma', 'Wei', 'Yara', 'Zoë',
]);

export const LAST_NAMES = Object.freeze([
  'Abe', 'Adeyemi', 'Bakker', 'Bianchi', 'Castillo', 'Chowdhury', 'Dubois', 'Eriksson', 'Fischer', 'García',
  'Haddad', 'Ivanova', 'Jensen', 'Kim', 'Kowalski', 'Lindqvist', 'López', 'Müller', 'Nakamura', 'Novak',
  "O'Brien", 'Okafor', 'Patel', 'Popescu', 'Rossi', 'Santos', 'Schmidt', 'Silva', 'Tanaka', 'Van der Berg',
  'Wang', 'Yılmaz', 'Zhang',
]);

export const EMAIL_DOMAINS = Object.freeze(['example.com', 'example.org', 'mail.example.net', 'corp.example']);

export const TAGS = Object.freeze([
  'admin', 'beta', 'churn-risk', 'early-adopter', 'enterprise', 'free', 'gold', 'mobile', 'newsletter', 'premium',
  'referral', 'trial', 'verified', 'vip', 'web',
]);

export const PREF_KEYS = Object.freeze(['theme', 'language', 'timezone', 'currency', 'notifications', 'units']);

export const PREF_VALUES: Readonly<Record<string, readonly string[]>> = Object.freeze({
  theme: ['dark', 'light', 'system'],
  language: ['en', 'de', 'fr', 'ja', 'pt-BR', 'zh-Hans'],
  timezone: ['UTC', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'Australia/Sydney'],
  currency: ['EUR', 'USD', 'JPY', 'BRL', 'GBP'],
  notifications: ['all', 'mentions', 'none'],
  units: ['metric', 'imperial'],
});

export const EVENT_TYPES = Object.freeze([
  'page_view', 'click', 'signup', 'login', 'logout', 'purchase', 'refund', 'search', 'add_to_cart', 'share',
]);

/** Unicode that breaks naive code: astral characters, combining marks, RTL, zero-width joiners. */
export const UNICODE_SAMPLES = Object.freeze([
  'Zoë Ångström', '日本語のテキスト', 'עברית ו-العربية', '😀👩‍👩‍👧‍👦🏳️‍🌈', 'e\u0301 (combining acute)',
  '𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𝕋𝕖𝕩𝕥', 'Ελληνικά', 'ханзы 漢字 한글', '\u200bzero\u200dwidth',
]);
