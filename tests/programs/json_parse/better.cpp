// JSON parser. Input: a JSON document (UTF-8 text; the harness generates a fresh one for
// every call: an array of nested records). aiopt_run parses it into a DOM tree, folds the
// tree into a checksum and frees it. Output: 10 little-endian uint64 values (checksum,
// counts of the 7 node kinds, total decoded string bytes, parse error flag).
#include "aiopt.h"

#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct State {
    std::string doc;  // the current input, copied so that it is NUL-terminated (strtod)
    uint64_t result[10];
};

// EVOLVE-BLOCK-START
struct Node {
    enum Kind : uint8_t { Null, False, True, Number, String, Array, Object };
    Node() = default;
    explicit Node(Kind k) : kind(k) {}
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
    static constexpr int kMaxDepth = 512;  // deeper nesting is rejected (bounded recursion)
    const char* p_;
    const char* end_;
    bool failed_ = false;
    int depth_ = 0;
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
        if (++depth_ > kMaxDepth) { failed_ = true; return arr; }
        do {
            Node item = parse_value();
            arr.items.push_back(std::move(item));
        } while (!failed_ && consume(','));
        if (!consume(']')) failed_ = true;
        --depth_;
        return arr;
    }

    Node parse_object() {
        Node obj(Node::Object);
        ++p_;
        if (consume('}')) return obj;
        if (++depth_ > kMaxDepth) { failed_ = true; return obj; }
        do {
            skip_ws();
            std::string key;
            if (p_ >= end_ || *p_ != '"' || !parse_string(key) || !consume(':')) { failed_ = true; break; }
            Node value = parse_value();
            obj.keys.push_back(std::move(key));
            obj.items.push_back(std::move(value));
        } while (!failed_ && consume(','));
        if (!consume('}')) failed_ = true;
        --depth_;
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

extern "C" void* aiopt_init(const unsigned char*, size_t) {  // no parameters
    State* s = new State;
    std::memset(s->result, 0, sizeof s->result);
    return s;
}

extern "C" size_t aiopt_run(void* state, const unsigned char* input, size_t len,
                            unsigned char* out, size_t cap) {
    State* s = static_cast<State*>(state);
    if (!s || (!input && len)) return 0;
    s->doc.assign(reinterpret_cast<const char*>(input), len);
    run(s);
    const size_t n = sizeof s->result;
    if (!out || cap < n) return n;
    for (size_t i = 0; i < n; ++i) out[i] = (unsigned char)(s->result[i / 8] >> (8 * (i % 8)));
    return n;
}

extern "C" void aiopt_fini(void* state) { delete static_cast<State*>(state); }
