#include "preprocess/imagescope_xml.h"

#include <cerrno>
#include <cstdlib>

#include <fmt/format.h>

#include "core/error.h"
#include "core/files.h"

namespace mis {

namespace {

class XmlScanner {
 public:
  XmlScanner(const std::string& text, std::string source) : s_(text), source_(std::move(source)) {}

  std::vector<Polygon> run() {
    std::vector<Polygon> regions;
    std::vector<std::string> open;  // element names, innermost last
    bool in_region = false;
    bool saw_element = false;
    while (true) {
      const std::size_t lt = s_.find('<', pos_);
      if (lt == std::string::npos) break;
      pos_ = lt;
      if (starts_with("<!--")) {
        skip_past("-->", "a comment is not closed");
        continue;
      }
      if (starts_with("<![CDATA[")) {
        skip_past("]]>", "a CDATA section is not closed");
        continue;
      }
      if (starts_with("<?")) {
        skip_past("?>", "a processing instruction is not closed");
        continue;
      }
      if (starts_with("<!")) {
        skip_past(">", "a declaration is not closed");
        continue;
      }
      Tag tag = read_tag();
      saw_element = true;
      if (tag.closing) {
        if (open.empty() || open.back() != tag.name)
          fail(fmt::format("closing tag </{}> does not match {}", tag.name,
                           open.empty() ? std::string("any open element") : "<" + open.back() + ">"));
        open.pop_back();
        if (tag.name == "Region") in_region = false;
        continue;
      }
      if (tag.name == "Region") {
        if (in_region) fail("a <Region> is nested inside another <Region>");
        regions.emplace_back();
        in_region = !tag.self_closing;
      } else if (tag.name == "Vertex" && in_region) {
        regions.back().push_back({number(tag, "X"), number(tag, "Y")});
      }
      if (!tag.self_closing) open.push_back(tag.name);
    }
    if (!saw_element) fail("no XML elements found (empty or not an XML file)");
    if (!open.empty())
      fail(fmt::format("file ends inside <{}> ({} element(s) not closed; truncated download?)", open.back(), open.size()));
    return regions;
  }

 private:
  struct Tag {
    std::string name;
    bool closing = false;
    bool self_closing = false;
    std::vector<std::pair<std::string, std::string>> attributes;
  };

  [[noreturn]] void fail(const std::string& problem) const {
    // Line numbers make a broken file quick to inspect.
    std::size_t line = 1;
    for (std::size_t i = 0; i < pos_ && i < s_.size(); ++i) line += s_[i] == '\n';
    throw UserError(fmt::format("{}: malformed annotation XML at line {}: {}; re-download the file or fix it", source_,
                                line, problem));
  }

  bool starts_with(const char* prefix) const { return s_.compare(pos_, std::char_traits<char>::length(prefix), prefix) == 0; }

  void skip_past(const char* terminator, const char* problem) {
    const std::size_t end = s_.find(terminator, pos_);
    if (end == std::string::npos) fail(std::string(problem) + " (truncated file?)");
    pos_ = end + std::char_traits<char>::length(terminator);
  }

  static bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool is_name_char(char c) { return !is_space(c) && c != '/' && c != '>' && c != '=' && c != '<' && c != '"' && c != '\''; }

  char peek() const {
    if (pos_ >= s_.size()) return '\0';
    return s_[pos_];
  }
  void expect_more() const {
    if (pos_ >= s_.size()) fail("file ends inside a tag (truncated download?)");
  }
  void skip_spaces() {
    while (pos_ < s_.size() && is_space(s_[pos_])) ++pos_;
  }
  std::string read_name() {
    const std::size_t start = pos_;
    while (pos_ < s_.size() && is_name_char(s_[pos_])) ++pos_;
    return s_.substr(start, pos_ - start);
  }

  Tag read_tag() {
    Tag tag;
    ++pos_;  // '<'
    if (peek() == '/') {
      tag.closing = true;
      ++pos_;
    }
    tag.name = read_name();
    if (tag.name.empty()) fail("a tag has no name");
    while (true) {
      skip_spaces();
      expect_more();
      const char c = peek();
      if (c == '>') {
        ++pos_;
        return tag;
      }
      if (c == '/') {
        ++pos_;
        expect_more();
        if (peek() != '>' || tag.closing) fail("stray '/' in tag <" + tag.name + ">");
        ++pos_;
        tag.self_closing = true;
        return tag;
      }
      if (tag.closing) fail("closing tag </" + tag.name + "> has attributes");
      std::string attr = read_name();
      if (attr.empty()) fail(fmt::format("unexpected character '{}' in tag <{}>", c, tag.name));
      skip_spaces();
      expect_more();
      if (peek() != '=') fail("attribute " + attr + " of <" + tag.name + "> has no value");
      ++pos_;
      skip_spaces();
      expect_more();
      const char quote = peek();
      if (quote != '"' && quote != '\'') fail("attribute " + attr + " of <" + tag.name + "> is not quoted");
      ++pos_;
      const std::size_t end = s_.find(quote, pos_);
      if (end == std::string::npos) fail("attribute " + attr + " is not closed (truncated file?)");
      tag.attributes.emplace_back(attr, s_.substr(pos_, end - pos_));
      pos_ = end + 1;
    }
  }

  double number(const Tag& tag, const std::string& key) const {
    for (const auto& [name, value] : tag.attributes) {
      if (name != key) continue;
      const char* begin = value.c_str();
      char* end = nullptr;
      errno = 0;
      const double v = std::strtod(begin, &end);
      while (end && *end && is_space(*end)) ++end;
      if (end == begin || (end && *end) || errno == ERANGE)
        fail(fmt::format("<{}> has {}=\"{}\", which is not a number", tag.name, key, value));
      return v;
    }
    fail(fmt::format("<{}> has no {} attribute", tag.name, key));
  }

  const std::string& s_;
  std::string source_;
  std::size_t pos_ = 0;
};

}  // namespace

std::vector<Polygon> parse_imagescope_regions(const std::string& xml, const std::string& source) {
  return XmlScanner(xml, source).run();
}

std::vector<Polygon> read_imagescope_regions(const std::filesystem::path& path) {
  return parse_imagescope_regions(read_text_file(path), path.string());
}

}  // namespace mis
