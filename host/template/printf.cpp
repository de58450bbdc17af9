// Go's fmt for the values templates hold: fmt.Sprint, fmt.Sprintln and fmt.Sprintf.
//
// Sprintf supports the flags "-", "+", " " and "0", a width and a precision given as digits, and
// the verbs %v %s %q %d %t %f %F %e %E %g %G %x %X %o %O %b %c %U %T and %%, with Go's output for
// each type (including "%!d(string=x)" for a verb that does not fit, "%!d(MISSING)" and
// "%!(EXTRA ...)"), plus %q and %U of a number. Go's "#" flag, "*" widths, argument indexes
// "[n]", %p, %w and %b of a float are refused with an "unsupported" error instead of being
// guessed.
#include <cstdio>
#include <map>

#include "host/template/functions.h"
#include "host/template/lexer.h"
#include "lib/go_json.h"

namespace iter8::template_internal {
namespace {

struct Flags {
  bool plus = false, minus = false, sharp = false, space = false, zero = false;
  bool sharpV = false;
  bool widPresent = false, precPresent = false;
  int wid = 0, prec = 0;
};

std::size_t runeCount(std::string_view s) {
  std::size_t count = 0;
  for (std::size_t i = 0; i < s.size(); ++count) {
    std::size_t width = 0;
    decodeRune(s, i, width);
    i += width;
  }
  return count;
}

[[noreturn]] void unsupported(const std::string& what) {
  throw Unsupported("unsupported printf " + what);
}

class Printer {
 public:
  std::string buf;
  Flags f;

  void printArg(const Value& arg, char32_t verb) {
    if (arg.isNilOrInvalid()) {
      if (verb == 'T' || verb == 'v') {
        pad("<nil>");
      } else {
        badVerb(verb, arg);
      }
      return;
    }
    if (verb == 'T') return pad(goTypeName(arg));
    if (verb == 'p') unsupported("verb %p");
    switch (arg.kind) {
      case Value::Kind::kBool:
        return (verb == 't' || verb == 'v') ? pad(arg.boolean ? "true" : "false")
                                            : badVerb(verb, arg);
      case Value::Kind::kInt:
      case Value::Kind::kUint8:
        return fmtInteger(arg, verb);
      case Value::Kind::kFloat:
        return fmtFloat(arg, verb);
      case Value::Kind::kString:
        return fmtString(arg, verb);
      default:
        return printContainer(arg, verb);
    }
  }

 private:
  void writePadding(int n) {
    if (n > 0) buf.append(static_cast<std::size_t>(n), f.zero ? '0' : ' ');
  }
  void pad(std::string_view s) {
    if (!f.widPresent || f.wid == 0) {
      buf += s;
      return;
    }
    const int width = f.wid - static_cast<int>(runeCount(s));
    if (!f.minus) writePadding(width);
    buf += s;
    if (f.minus) writePadding(width);
  }

  void badVerb(char32_t verb, const Value& arg) {
    buf += "%!";
    appendUtf8(buf, verb);
    buf += '(';
    if (arg.isNilOrInvalid()) {
      buf += "<nil>";
    } else {
      buf += goTypeName(arg);
      buf += '=';
      printArg(arg, 'v');
    }
    buf += ')';
  }

  // Long on purpose: it follows Go's pp.fmtInteger and fmt.fmtInteger, to stay comparable.
  void fmtInteger(const Value& arg, char32_t verb) {
    int base = 10;
    const char* digits = "0123456789abcdefx";
    switch (verb) {
      case 'v':
      case 'd':
        break;
      case 'b':
        base = 2;
        break;
      case 'o':
      case 'O':
        base = 8;
        break;
      case 'x':
        base = 16;
        break;
      case 'X':
        base = 16;
        digits = "0123456789ABCDEFX";
        break;
      case 'c': {
        std::string rune;
        const bool valid = arg.integer >= 0 && arg.integer <= 0x10FFFF &&
                           !(arg.integer >= 0xD800 && arg.integer < 0xE000);
        appendUtf8(rune, valid ? static_cast<std::uint32_t>(arg.integer) : 0xFFFD);
        return pad(rune);
      }
      case 'q': {  // strconv.QuoteRune
        const bool valid = arg.integer >= 0 && arg.integer <= 0x10FFFF &&
                           !(arg.integer >= 0xD800 && arg.integer < 0xE000);
        std::string rune;
        appendUtf8(rune, valid ? static_cast<std::uint32_t>(arg.integer) : 0xFFFD);
        std::string inner = goQuote(rune);
        inner = inner.substr(1, inner.size() - 2);
        if (inner == "\\\"") inner = "\"";
        if (inner == "'") inner = "\\'";
        return pad("'" + inner + "'");
      }
      case 'U': {
        if (f.sharp) unsupported("flag # with %U");
        char text[16];
        std::snprintf(text, sizeof text, "U+%04llX",
                      static_cast<unsigned long long>(static_cast<std::uint64_t>(arg.integer)));
        return pad(text);
      }
      default:
        return badVerb(verb, arg);
    }
    if (f.sharp) unsupported("flag # with a number");
    const bool negative = arg.integer < 0;
    std::uint64_t u = negative ? 0 - static_cast<std::uint64_t>(arg.integer)
                               : static_cast<std::uint64_t>(arg.integer);
    int prec = 0;
    if (f.precPresent) {
      prec = f.prec;
      if (prec == 0 && u == 0) {  // "%.0d" of 0 prints nothing but the padding
        const bool zero = f.zero;
        f.zero = false;
        writePadding(f.wid);
        f.zero = zero;
        return;
      }
    } else if (f.zero && f.widPresent) {
      prec = f.wid;
      if (negative || f.plus || f.space) --prec;  // leave room for the sign
    }
    // Digits backwards, then sign, prefix and zeros in front once: linear in the width (a
    // width of 999999 with "0" took seconds when each zero was inserted at the front).
    std::string reversed;
    do {
      reversed += digits[u % static_cast<unsigned>(base)];
      u /= static_cast<unsigned>(base);
    } while (u != 0);
    std::string out;
    if (negative) {
      out += '-';
    } else if (f.plus) {
      out += '+';
    } else if (f.space) {
      out += ' ';
    }
    if (verb == 'O') out += "0o";
    if (static_cast<int>(reversed.size()) < prec)
      out.append(static_cast<std::size_t>(prec) - reversed.size(), '0');
    out.append(reversed.rbegin(), reversed.rend());
    const bool zero = f.zero;
    f.zero = false;  // zero padding was done above, as precision
    pad(out);
    f.zero = zero;
  }

  void fmtFloat(const Value& arg, char32_t verb) {
    if (f.sharpV) unsupported("verb %#v");
    switch (verb) {
      case 'v':
        return formatFloat(arg.number, 'g', -1);
      case 'g':
      case 'G':
        return formatFloat(arg.number, static_cast<char>(verb), -1);
      case 'f':
      case 'e':
      case 'E':
        return formatFloat(arg.number, static_cast<char>(verb), 6);
      case 'F':
        return formatFloat(arg.number, 'f', 6);
      case 'x':
      case 'X':
        return formatFloat(arg.number, static_cast<char>(verb), -1);
      case 'b':
        unsupported("verb %b of a float");
      default:
        return badVerb(verb, arg);
    }
  }

  // fmt's fmtFloat: strconv.AppendFloat, then the sign and padding rules.
  void formatFloat(double v, char verb, int prec) {
    if (f.sharp) unsupported("flag # with a float");
    if (f.precPresent) prec = f.prec;
    std::string num;
    if (verb == 'x' || verb == 'X') {
      num = hexFloat(v, prec, verb == 'X');
    } else if (prec < 0) {  // shortest representation: only %g and %G get here
      num = formatGoG(v);
      if (verb == 'G') {
        for (auto& c : num) c = c == 'e' ? 'E' : c;
      }
    } else {
      char format[8] = {'%', '.', '*', verb, '\0'};
      const int n = std::snprintf(nullptr, 0, format, prec, v);
      num.resize(static_cast<std::size_t>(n) + 1);
      std::snprintf(num.data(), num.size(), format, prec, v);
      num.resize(static_cast<std::size_t>(n));
    }
    if (num[0] != '-' && num[0] != '+') num.insert(num.begin(), '+');
    if (f.space && num[0] == '+' && !f.plus) num[0] = ' ';
    if (f.plus || num[0] != '+') {
      if (f.zero && f.widPresent && f.wid > static_cast<int>(num.size())) {
        buf += num[0];
        writePadding(f.wid - static_cast<int>(num.size()));
        buf += num.substr(1);
        return;
      }
      return pad(num);
    }
    pad(std::string_view(num).substr(1));
  }

  // strconv's 'x' format: C's %a, with Go's two-digit minimum exponent ("0x1.8p+01").
  static std::string hexFloat(double v, int prec, bool upper) {
    char buf[64];
    if (prec < 0) {
      std::snprintf(buf, sizeof buf, upper ? "%A" : "%a", v);
    } else {
      std::snprintf(buf, sizeof buf, upper ? "%.*A" : "%.*a", prec, v);
    }
    std::string num = buf;
    const auto p = num.find_first_of("pP");
    if (p != std::string::npos && num.size() - p == 3) num.insert(p + 2, "0");
    return num;
  }

  // The first `prec` runes of s when a precision is given.
  std::string_view truncate(std::string_view s) const {
    if (!f.precPresent) return s;
    std::size_t i = 0;
    for (int n = 0; i < s.size() && n < f.prec; ++n) {
      std::size_t width = 0;
      decodeRune(s, i, width);
      i += width;
    }
    return s.substr(0, i);
  }

  void fmtString(const Value& arg, char32_t verb) {
    if (f.sharpV) unsupported("verb %#v");
    switch (verb) {
      case 'v':
      case 's':
        return pad(truncate(arg.string));
      case 'x':
      case 'X':
        return fmtSx(arg.string, verb == 'x' ? "0123456789abcdefx" : "0123456789ABCDEFX");
      case 'q':
        if (f.sharp || f.plus) unsupported("flags # and + with %q");
        return pad(goQuote(truncate(arg.string)));
      default:
        return badVerb(verb, arg);
    }
  }

  void fmtSx(std::string_view s, const char* digits) {
    if (f.sharp) unsupported("flag # with %x");
    std::size_t length = s.size();
    if (f.precPresent && static_cast<std::size_t>(f.prec) < length) length = f.prec;
    int width = 2 * static_cast<int>(length);
    if (width == 0) {
      if (f.widPresent) writePadding(f.wid);
      return;
    }
    if (f.space) width += static_cast<int>(length) - 1;
    if (f.widPresent && f.wid > width && !f.minus) writePadding(f.wid - width);
    for (std::size_t i = 0; i < length; ++i) {
      if (f.space && i > 0) buf += ' ';
      const auto c = static_cast<unsigned char>(s[i]);
      buf += digits[c >> 4];
      buf += digits[c & 0xF];
    }
    if (f.widPresent && f.wid > width && f.minus) writePadding(f.wid - width);
  }

  // Maps and slices: each key and element printed with the same verb and flags.
  void printContainer(const Value& arg, char32_t verb) {
    if (f.sharpV) unsupported("verb %#v");
    const auto element = [&](const rapidjson::Value& json) {
      const Value value = Value::fromJson(json, true);
      if (value.kind == Value::Kind::kNil) {
        buf += "<nil>";
      } else {
        printArg(value, verb);
      }
    };
    if (arg.kind == Value::Kind::kSlice) {
      buf += '[';
      bool first = true;
      for (const auto& item : arg.json->GetArray()) {
        if (!first) buf += ' ';
        first = false;
        element(item);
      }
      buf += ']';
      return;
    }
    std::map<std::string_view, const rapidjson::Value*> sorted;
    for (const auto& member : arg.json->GetObject()) sorted[stringOf(member.name)] = &member.value;
    buf += "map[";
    bool first = true;
    for (const auto& [key, value] : sorted) {
      if (!first) buf += ' ';
      first = false;
      printArg(Value::ofString(std::string(key)), verb);
      buf += ':';
      element(*value);
    }
    buf += ']';
  }
};

// fmt's parsenum: digits from `i`; a number beyond 1e6 consumes the rest of the format.
bool parseNumber(std::string_view format, std::size_t& i, int& number) {
  bool present = false;
  number = 0;
  for (; i < format.size() && format[i] >= '0' && format[i] <= '9'; ++i) {
    if (number > 1000000) {
      i = format.size();
      number = 0;
      return false;
    }
    number = number * 10 + (format[i] - '0');
    present = true;
  }
  return present;
}

}  // namespace

std::string goSprint(const std::vector<Value>& args) {
  Printer p;
  bool previousString = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const bool isString = args[i].kind == Value::Kind::kString;
    if (i > 0 && !isString && !previousString) p.buf += ' ';
    p.printArg(args[i], 'v');
    previousString = isString;
  }
  return p.buf;
}

std::string goSprintln(const std::vector<Value>& args) {
  Printer p;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0) p.buf += ' ';
    p.printArg(args[i], 'v');
  }
  p.buf += '\n';
  return p.buf;
}

// Long on purpose: it follows Go's fmt.(*pp).doPrintf step by step, to stay comparable.
std::string goSprintf(std::string_view format, const std::vector<Value>& args) {
  Printer p;
  std::size_t argNum = 0;
  const std::size_t end = format.size();
  for (std::size_t i = 0; i < end;) {
    const std::size_t start = i;
    while (i < end && format[i] != '%') ++i;
    p.buf += format.substr(start, i - start);
    if (i >= end) break;
    ++i;  // the '%'
    p.f = Flags{};
    for (bool flags = true; flags && i < end;) {
      switch (format[i]) {
        case '#':
          p.f.sharp = true;
          break;
        case '0':
          p.f.zero = !p.f.minus;  // zero padding only to the left
          break;
        case '+':
          p.f.plus = true;
          break;
        case '-':
          p.f.minus = true;
          p.f.zero = false;
          break;
        case ' ':
          p.f.space = true;
          break;
        default:
          flags = false;
          continue;
      }
      ++i;
    }
    if (i < end && (format[i] == '[' || format[i] == '*')) {
      unsupported(format[i] == '[' ? "argument index [n]" : "width *");
    }
    p.f.widPresent = parseNumber(format, i, p.f.wid);
    if (i + 1 <= end && i < end && format[i] == '.') {
      ++i;
      if (i < end && (format[i] == '[' || format[i] == '*')) unsupported("precision *");
      p.f.precPresent = parseNumber(format, i, p.f.prec);
      if (!p.f.precPresent) {
        p.f.prec = 0;
        p.f.precPresent = true;
      }
    }
    if (i >= end) {
      p.buf += "%!(NOVERB)";
      break;
    }
    std::size_t width = 0;
    const char32_t verb = decodeRune(format, i, width);
    i += width;
    if (verb == '%') {
      p.buf += '%';  // absorbs no operand and ignores width and precision
      continue;
    }
    if (argNum >= args.size()) {
      p.buf += "%!";
      appendUtf8(p.buf, verb);
      p.buf += "(MISSING)";
      continue;
    }
    if (verb == 'w') unsupported("verb %w");
    if (verb == 'v') {
      p.f.sharpV = p.f.sharp;
      p.f.sharp = false;
      p.f.plus = false;  // %+v only matters for structs
    }
    p.printArg(args[argNum++], verb);
  }
  if (argNum < args.size()) {
    p.f = Flags{};
    p.buf += "%!(EXTRA ";
    for (std::size_t i = argNum; i < args.size(); ++i) {
      if (i > argNum) p.buf += ", ";
      if (args[i].isNilOrInvalid()) {
        p.buf += "<nil>";
      } else {
        p.buf += goTypeName(args[i]);
        p.buf += '=';
        p.printArg(args[i], 'v');
      }
    }
    p.buf += ')';
  }
  return p.buf;
}

}  // namespace iter8::template_internal
