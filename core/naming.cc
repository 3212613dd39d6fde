// Names derived from model keys. Pluralize ports the rule tables and the matching
// procedure of the npm `pluralize` package (v8.0.0): irregular words, uncountable
// words, and ordered regex rules where the rule added last wins. Only the last word
// of a PascalCase key is pluralized. Case folding is ASCII-only.

#include "core/naming.h"

#include <cctype>
#include <cstddef>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <utility>
#include <vector>

namespace kin::naming {
namespace {

bool IsUpper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool IsLower(char c) { return std::islower(static_cast<unsigned char>(c)) != 0; }
bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

std::string ToLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string ToUpper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

// ---------------------------------------------------------------------------
// Word boundaries shared by Pluralize, SnakeCase and Words.

// True when a new word starts at s[i]: an upper-case letter after a lower-case
// letter or digit ("orderProduct", "v2Key"), or the last capital of an acronym
// that is followed by a lower-case letter ("HTTPServer" -> "HTTP" | "Server").
bool StartsWord(std::string_view s, std::size_t i) {
  if (i == 0 || i >= s.size() || !IsUpper(s[i])) return false;
  const char prev = s[i - 1];
  if (IsLower(prev) || IsDigit(prev)) return true;
  return IsUpper(prev) && i + 1 < s.size() && IsLower(s[i + 1]);
}

std::size_t LastWordStart(std::string_view s) {
  for (std::size_t i = s.size(); i > 0; --i) {
    if (StartsWord(s, i - 1)) return i - 1;
  }
  return 0;
}

// ---------------------------------------------------------------------------
// The pluralize package's tables.

struct Rule {
  std::regex pattern;
  std::string replacement;  // "$N" refers to capture N; "$0" to the whole match.
};

struct Tables {
  std::unordered_map<std::string, std::string> irregular_singles;  // single -> plural
  std::unordered_set<std::string> irregular_plurals;
  std::unordered_set<std::string> uncountables;
  std::vector<Rule> rules;  // in the order the package adds them; the last match wins
};

constexpr std::pair<const char*, const char*> kIrregulars[] = {
    // Pronouns.
    {"i", "we"}, {"me", "us"}, {"he", "they"}, {"she", "they"}, {"them", "them"},
    {"myself", "ourselves"}, {"yourself", "yourselves"}, {"itself", "themselves"},
    {"herself", "themselves"}, {"himself", "themselves"}, {"themself", "themselves"},
    {"is", "are"}, {"was", "were"}, {"has", "have"}, {"this", "these"}, {"that", "those"},
    // Consonant + "o".
    {"echo", "echoes"}, {"dingo", "dingoes"}, {"volcano", "volcanoes"},
    {"tornado", "tornadoes"}, {"torpedo", "torpedoes"},
    // "-us", "-ma".
    {"genus", "genera"}, {"viscus", "viscera"}, {"stigma", "stigmata"},
    {"stoma", "stomata"}, {"dogma", "dogmata"}, {"lemma", "lemmata"},
    {"schema", "schemata"}, {"anathema", "anathemata"},
    // Others.
    {"ox", "oxen"}, {"axe", "axes"}, {"die", "dice"}, {"yes", "yeses"}, {"foot", "feet"},
    {"eave", "eaves"}, {"goose", "geese"}, {"tooth", "teeth"}, {"quiz", "quizzes"},
    {"human", "humans"}, {"proof", "proofs"}, {"carve", "carves"}, {"valve", "valves"},
    {"looey", "looies"}, {"thief", "thieves"}, {"groove", "grooves"},
    {"pickaxe", "pickaxes"}, {"passerby", "passersby"},
};

// Plural rules in the package's order (lowest priority first).
constexpr std::pair<const char*, const char*> kPluralRules[] = {
    {R"(s?$)", "s"},
    {R"([^\x00-\x7F]$)", "$0"},
    {R"(([^aeiou]ese)$)", "$1"},
    {R"((ax|test)is$)", "$1es"},
    {R"((alias|[^aou]us|t[lm]as|gas|ris)$)", "$1es"},
    {R"((e[mn]u)s?$)", "$1s"},
    {R"(([^l]ias|[aeiou]las|[ejzr]as|[iu]am)$)", "$1"},
    {R"((alumn|syllab|vir|radi|nucle|fung|cact|stimul|termin|bacill|foc|uter|loc|strat)(?:us|i)$)",
     "$1i"},
    {R"((alumn|alg|vertebr)(?:a|ae)$)", "$1ae"},
    {R"((seraph|cherub)(?:im)?$)", "$1im"},
    {R"((her|at|gr)o$)", "$1oes"},
    {R"((agend|addend|millenni|dat|extrem|bacteri|desiderat|strat|candelabr|errat|ov|symposi|curricul|automat|quor)(?:a|um)$)",
     "$1a"},
    {R"((apheli|hyperbat|periheli|asyndet|noumen|phenomen|criteri|organ|prolegomen|hedr|automat)(?:a|on)$)",
     "$1a"},
    {R"(sis$)", "ses"},
    {R"((?:(kni|wi|li)fe|(ar|l|ea|eo|oa|hoo)f)$)", "$1$2ves"},
    {R"(([^aeiouy]|qu)y$)", "$1ies"},
    {R"(([^ch][ieo][ln])ey$)", "$1ies"},
    {R"((x|ch|ss|sh|zz)$)", "$1es"},
    {R"((matr|cod|mur|sil|vert|ind|append)(?:ix|ex)$)", "$1ices"},
    {R"(\b((?:tit)?m|l)(?:ice|ouse)$)", "$1ice"},
    {R"((pe)(?:rson|ople)$)", "$1ople"},
    {R"((child)(?:ren)?$)", "$1ren"},
    {R"(eaux$)", "$0"},
    {R"(m[ae]n$)", "men"},
    {R"(^thou$)", "you"},
};

// Uncountable words. "info" is not in the package (which gives "infos"); SPEC.md
// section 2 requires "Info" -> "Info", so it is added here.
constexpr const char* kUncountableWords[] = {
    "adulthood", "advice", "agenda", "aid", "aircraft", "alcohol", "ammo", "analytics",
    "anime", "athletics", "audio", "bison", "blood", "bream", "buffalo", "butter", "carp",
    "cash", "chassis", "chess", "clothing", "cod", "commerce", "cooperation", "corps",
    "debris", "diabetes", "digestion", "elk", "energy", "equipment", "excretion",
    "expertise", "firmware", "flounder", "fun", "gallows", "garbage", "graffiti",
    "hardware", "headquarters", "health", "herpes", "highjinks", "homework", "housework",
    "information", "jeans", "justice", "kudos", "labour", "literature", "machinery",
    "mackerel", "mail", "media", "mews", "moose", "music", "mud", "manga", "news", "only",
    "personnel", "pike", "plankton", "pliers", "police", "pollution", "premises", "rain",
    "research", "rice", "salmon", "scissors", "series", "sewage", "shambles", "shrimp",
    "software", "species", "staff", "swine", "tennis", "traffic", "transportation",
    "trout", "tuna", "wealth", "welfare", "whiting", "wildebeest", "wildlife", "you",
    "info",
};

// Uncountable patterns; added after the plural rules, so they take precedence.
// "\xC3\xA9" / "\xC3\x89" are UTF-8 "é" / "É".
constexpr const char* kUncountablePatterns[] = {
    "pok(?:e|\xC3\xA9|\xC3\x89)mon$",
    R"([^aeiou]ese$)", R"(deer$)", R"(fish$)", R"(measles$)", R"(o[iu]s$)", R"(pox$)",
    R"(sheep$)",
};

Rule MakeRule(const char* pattern, const char* replacement) {
  return Rule{std::regex(pattern, std::regex::ECMAScript | std::regex::icase), replacement};
}

Tables BuildTables() {
  Tables t;
  for (const auto& [single, plural] : kIrregulars) {
    t.irregular_singles.emplace(single, plural);
    t.irregular_plurals.emplace(plural);
  }
  for (const char* word : kUncountableWords) t.uncountables.emplace(word);
  for (const auto& [pattern, replacement] : kPluralRules) {
    t.rules.push_back(MakeRule(pattern, replacement));
  }
  for (const char* pattern : kUncountablePatterns) t.rules.push_back(MakeRule(pattern, "$0"));
  return t;
}

const Tables& GetTables() {
  static const Tables tables = BuildTables();  // thread-safe static initialization
  return tables;
}

// ---------------------------------------------------------------------------
// The package's matching procedure.

// Gives `token` the case pattern of `word` (the package's restoreCase).
std::string RestoreCase(std::string_view word, std::string_view token) {
  if (word == token) return std::string(token);
  if (word == ToLower(word)) return ToLower(token);
  if (word == ToUpper(word)) return ToUpper(token);
  if (!word.empty() && !token.empty() && !IsLower(word[0])) {
    return ToUpper(token.substr(0, 1)) + ToLower(token.substr(1));
  }
  return ToLower(token);
}

// Expands "$N" (N of one or two digits) with capture N, or "" when absent.
std::string Interpolate(const std::string& replacement, const std::smatch& m) {
  std::string out;
  for (std::size_t i = 0; i < replacement.size(); ++i) {
    if (replacement[i] != '$' || i + 1 >= replacement.size() || !IsDigit(replacement[i + 1])) {
      out += replacement[i];
      continue;
    }
    std::size_t index = static_cast<std::size_t>(replacement[++i] - '0');
    if (i + 1 < replacement.size() && IsDigit(replacement[i + 1])) {
      index = index * 10 + static_cast<std::size_t>(replacement[++i] - '0');
    }
    if (index < m.size() && m[index].matched) out += m[index].str();
  }
  return out;
}

// Replaces the first match of the rule in `word`, restoring the matched text's case.
std::string ApplyRule(const std::string& word, const Rule& rule, const std::smatch& m) {
  const std::string result = Interpolate(rule.replacement, m);
  const auto pos = static_cast<std::size_t>(m.position(0));
  const auto len = static_cast<std::size_t>(m.length(0));
  std::string restored;
  if (len > 0) {
    restored = RestoreCase(m.str(0), result);
  } else {
    // An empty match takes its case from the character before it.
    restored = pos > 0 ? RestoreCase(std::string_view(word).substr(pos - 1, 1), result)
                       : ToLower(result);
  }
  return word.substr(0, pos) + restored + word.substr(pos + len);
}

// The package's `plural(word)` for a single word.
std::string PluralizeWord(const std::string& word) {
  const Tables& t = GetTables();
  const std::string token = ToLower(word);
  if (t.irregular_plurals.count(token) != 0) return RestoreCase(word, token);
  if (auto it = t.irregular_singles.find(token); it != t.irregular_singles.end()) {
    return RestoreCase(word, it->second);
  }
  if (token.empty() || t.uncountables.count(token) != 0) return word;
  for (auto rule = t.rules.rbegin(); rule != t.rules.rend(); ++rule) {
    std::smatch m;
    if (std::regex_search(word, m, rule->pattern)) return ApplyRule(word, *rule, m);
  }
  return word;
}

}  // namespace

std::string Pluralize(std::string_view word) {
  const std::size_t start = LastWordStart(word);
  return std::string(word.substr(0, start)) + PluralizeWord(std::string(word.substr(start)));
}

std::string SnakeCase(std::string_view name) {
  std::string out;
  out.reserve(name.size() + 4);
  for (std::size_t i = 0; i < name.size(); ++i) {
    if (StartsWord(name, i)) out += '_';
    out += static_cast<char>(std::tolower(static_cast<unsigned char>(name[i])));
  }
  return out;
}

std::string Words(std::string_view pascal_name) {
  std::string out;
  out.reserve(pascal_name.size() + 4);
  std::size_t word_start = 0;
  for (std::size_t i = 0; i < pascal_name.size(); ++i) {
    if (StartsWord(pascal_name, i)) {
      out += ' ';
      word_start = i;
    }
    const char c = pascal_name[i];
    // The first word keeps its case; later words are lower case.
    out += word_start == 0 ? c : static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

}  // namespace kin::naming
