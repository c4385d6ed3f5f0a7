// JSON parser. Input file: "records=<n> seed=<s>". aiopt_init generates a JSON document
// (an array of nested records); aiopt_run parses it into a DOM tree, folds the tree into a
// checksum and frees it. Output: 10 little-endian uint64 values (checksum, counts of the
// 7 node kinds, total decoded string bytes, parse error flag).
#include "aiopt.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

uint64_t splitmix64(uint64_t& s) {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

uint64_t param(const std::string& text, const char* key, uint64_t def) {
    size_t p = text.find(key);
    if (p == std::string::npos) return def;
    return std::strtoull(text.c_str() + p + std::strlen(key), nullptr, 10);
}

struct Gen {
    uint64_t seed;
    std::string out;
    uint64_t next(uint64_t n) { return splitmix64(seed) % n; }

    void string() {
        static const char* const kEsc[] = {"\\n", "\\t", "\\\"", "\\\\", "\\/", "\\r", "\\b", "\\f",
                                           "\\u00e9", "\\u4e2d", "\\u00FC", "\\ud83d\\ude00"};
        out += '"';
        int len = 3 + (int)next(28);
        for (int i = 0; i < len; ++i) {
            uint64_t r = next(100);
            if (r < 4) out += kEsc[next(12)];
            else if (r < 18) out += ' ';
            else out += (char)('a' + next(26));
        }
        out += '"';
    }
    void number() {
        uint64_t r = next(4);
        if (r == 0) out += std::to_string((int64_t)next(2000000) - 1000000);
        else if (r == 1) out += std::to_string(next(100));
        else {
            out += std::to_string((int64_t)next(20000) - 10000) + "." + std::to_string(next(1000000));
            if (r == 3) out += (next(2) ? "e" : "E-") + std::to_string(next(30));
        }
    }
    void value(int depth) {
        uint64_t r = next(100);
        if (depth < 4 && r < 14) object(depth + 1);
        else if (depth < 4 && r < 24) array(depth + 1);
        else if (r < 60) string();
        else if (r < 90) number();
        else out += r < 94 ? "true" : r < 97 ? "false" : "null";
    }
    void object(int depth) {
        out += "{";
        uint64_t n = 1 + next(8), first = next(40);
        for (uint64_t i = 0; i < n; ++i) {
            if (i) out += ", ";
            out += "\"field_" + std::to_string(first + i) + "\": ";
            value(depth);
        }
        out += "}";
    }
    void document(uint64_t records) {
        out += "[\n";
        for (uint64_t i = 0; i < records; ++i) {
            out += i ? ",\n  " : "  ";
            object(0);
        }
        out += "\n]\n";
    }
    void array(int depth) {
        out += "[";
        for (int i = 0, n = (int)next(10); i < n; ++i) {
            if (i) out += ",";
            value(depth);
        }
        out += "]";
    }
};

struct State {
    std::string doc;
    uint64_t result[10];
};

// EVOLVE-BLOCK-START
struct Node {
    enum Kind : uint8_t { Null, False, True, Number, String, Array, Object };
    Node() = default;
    explicit Node(Kind k) : kind(k) {}
    ~Node() = default;
    Kind kind = Null;
    double number = 0;
    std::string text;                 // String value
    std::vector<std::string> keys;    // Object member names, parallel to items
    std::vector<Node> items;          // Array elements or Object member values
};

class Parser {
public:
    Parser(const char* p, const char* end) : p_(p), end_(end) {}
    bool failed() const { return failed_; }
    Node parse_document() {
        Node root = parse_value();
        skip_ws();
        if (p_ != end_) failed_ = true;
        return root;
    }

private:
    const char* p_;
    const char* end_;
    bool failed_ = false;
    void skip_ws() {
        while (p_ < end_ && (*p_ == ' ' || *p_ == '\n' || *p_ == '\t' || *p_ == '\r')) ++p_;
    }
    bool consume(char c) {
        skip_ws();
        return p_ < end_ && *p_ == c ? (++p_, true) : false;
    }

    Node parse_value() {
        skip_ws();
        if (p_ >= end_) { failed_ = true; return Node(); }
        switch (*p_) {
            case '{': return parse_object();
            case '[': return parse_array();
            case '"': { Node n(Node::String); parse_string(n.text); return n; }
            case 't': return literal("true", Node::True);
            case 'f': return literal("false", Node::False);
            case 'n': return literal("null", Node::Null);
            default: return parse_number();
        }
    }

    Node literal(const char* word, Node::Kind kind) {
        size_t len = std::strlen(word);
        if ((size_t)(end_ - p_) < len || std::memcmp(p_, word, len) != 0) failed_ = true;
        else p_ += len;
        return Node(kind);
    }

    Node parse_number() {
        Node n(Node::Number);
        char* stop = nullptr;
        n.number = std::strtod(p_, &stop);   // the document buffer is NUL-terminated
        failed_ |= stop == p_;
        p_ = stop;
        return n;
    }

    Node parse_array() {
        Node arr(Node::Array);
        ++p_;
        if (consume(']')) return arr;
        do {
            Node item = parse_value();
            arr.items.push_back(std::move(item));
        } while (!failed_ && consume(','));
        if (!consume(']')) failed_ = true;
        return arr;
    }

    Node parse_object() {
        Node obj(Node::Object);
        ++p_;
        if (consume('}')) return obj;
        do {
            skip_ws();
            std::string key;
            if (p_ >= end_ || *p_ != '"' || !parse_string(key) || !consume(':')) { failed_ = true; break; }
            Node value = parse_value();
            obj.keys.push_back(std::move(key));
            obj.items.push_back(std::move(value));
        } while (!failed_ && consume(','));
        if (!consume('}')) failed_ = true;
        return obj;
    }

    unsigned hex4() {
        unsigned v = 0;
        if (end_ - p_ < 4) { failed_ = true; p_ = end_; return 0; }
        for (int i = 0; i < 4; ++i, ++p_) {
            char c = *p_, l = (char)(c | 0x20);
            if (c >= '0' && c <= '9') v = v << 4 | (c - '0');
            else if (l >= 'a' && l <= 'f') v = v << 4 | (l - 'a' + 10);
            else failed_ = true;
        }
        return v;
    }

    static void put_utf8(std::string& s, unsigned cp) {
        static const unsigned char kLead[4] = {0x00, 0xC0, 0xE0, 0xF0};
        int extra = cp < 0x80 ? 0 : cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
        s += (char)(kLead[extra] | cp >> (6 * extra));
        for (int k = extra - 1; k >= 0; --k) s += (char)(0x80 | (cp >> (6 * k) & 0x3F));
    }

    bool parse_string(std::string& s) {
        ++p_;  // opening quote
        while (p_ < end_) {
            char c = *p_++;
            if (c == '"') return true;
            if (c != '\\') { s += c; continue; }
            if (p_ >= end_) break;
            char e = *p_++;
            switch (e) {
                case 'n': s += '\n'; break;  case 't': s += '\t'; break;  case 'r': s += '\r'; break;
                case 'b': s += '\b'; break;  case 'f': s += '\f'; break;
                case '"': case '\\': case '/': s += e; break;
                case 'u': {
                    unsigned cp = hex4();
                    if (cp >= 0xD800 && cp < 0xDC00 && end_ - p_ >= 6 && p_[0] == '\\' && p_[1] == 'u') {
                        p_ += 2;
                        unsigned lo = hex4();
                        cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                    }
                    put_utf8(s, cp);
                    break;
                }
                default: failed_ = true; return false;
            }
        }
        failed_ = true;
        return false;
    }
};

inline uint64_t mix(uint64_t h, uint64_t x) { return (h ^ x) * 0x100000001B3ull + (h >> 29); }
uint64_t hash_bytes(const std::string& s) {
    uint64_t h = 0xCBF29CE484222325ull;
    for (unsigned char c : s) h = (h ^ c) * 0x100000001B3ull;
    return h;
}

uint64_t checksum(const Node& n, uint64_t* counts) {
    counts[n.kind]++;
    uint64_t h = mix(0x9E3779B97F4A7C15ull, n.kind);
    switch (n.kind) {
        case Node::Number: { uint64_t bits; std::memcpy(&bits, &n.number, 8); h = mix(h, bits); break; }
        case Node::String: h = mix(h, hash_bytes(n.text)); counts[7] += n.text.size(); break;
        case Node::Array:
        case Node::Object:
            for (size_t i = 0; i < n.items.size(); ++i) {
                if (n.kind == Node::Object) h = mix(h, hash_bytes(n.keys[i]));
                h = mix(h, checksum(n.items[i], counts));
            }
            break;
        default: break;
    }
    return h;
}

void run(State* s) {
    Parser parser(s->doc.data(), s->doc.data() + s->doc.size());
    Node root = parser.parse_document();
    uint64_t counts[8] = {0};
    s->result[0] = checksum(root, counts);
    for (int i = 0; i < 8; ++i) s->result[1 + i] = counts[i];
    s->result[9] = parser.failed();
}
// EVOLVE-BLOCK-END

}  // namespace

extern "C" void* aiopt_init(const unsigned char* input, size_t len) {
    std::string text(reinterpret_cast<const char*>(input), len);
    State* s = new State;
    Gen g{param(text, "seed=", 1), std::string()};
    g.document(param(text, "records=", 1000));
    s->doc = std::move(g.out);
    std::memset(s->result, 0, sizeof s->result);
    return s;
}

extern "C" void aiopt_run(void* state) { run(static_cast<State*>(state)); }

extern "C" size_t aiopt_output(void* state, unsigned char* out, size_t cap) {
    const State* s = static_cast<State*>(state);
    unsigned char buf[80];
    for (int i = 0; i < 80; ++i) buf[i] = (unsigned char)(s->result[i / 8] >> (8 * (i % 8)));
    if (out) std::memcpy(out, buf, cap < sizeof buf ? cap : sizeof buf);
    return sizeof buf;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
