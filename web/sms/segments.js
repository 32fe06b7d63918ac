// How many SMS segments a text is sent as, counted like functions/channels/sms.py (3GPP TS 23.038):
// GSM-7 is 160 septets in one segment or 153 per part, extension characters taking two; any other
// character makes the whole text UCS-2, 70 UTF-16 code units in one segment or 67 per part.

const GSM7_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡" +
    "ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);
const GSM7_EXTENSION = new Set("^{}\\[~]|€\f");

const isGsm7 = (text) => [...text].every((c) => GSM7_BASIC.has(c) || GSM7_EXTENSION.has(c));

// { encoding, used, capacity, segments }: `used` in septets (GSM-7) or code units (UCS-2), `capacity`
// what that many segments hold.
export function measure(text) {
  if (isGsm7(text)) {
    const used = [...text].reduce((sum, c) => sum + (GSM7_EXTENSION.has(c) ? 2 : 1), 0);
    const segments = used <= 160 ? 1 : Math.ceil(used / 153);
    return { encoding: "GSM-7", used, capacity: segments === 1 ? 160 : segments * 153, segments };
  }
  const used = text.length; // a JS string's length is its UTF-16 code units: an emoji counts twice
  const segments = used <= 70 ? 1 : Math.ceil(used / 67);
  return { encoding: "UCS-2", used, capacity: segments === 1 ? 70 : segments * 67, segments };
}

export function describe(text) {
  const { encoding, used, capacity, segments } = measure(text);
  const parts = `${segments} segment${segments === 1 ? "" : "s"}`;
  return `${used}/${capacity} · ${parts}${encoding === "UCS-2" ? " (UCS-2)" : ""}`;
}
