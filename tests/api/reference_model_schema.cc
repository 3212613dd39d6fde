// The tables of ReferenceModel's schema (tests/data/schemas/model_based.json), and
// the conversions the model-based test compares through.

#include "tests/api/reference_model.h"

#include <algorithm>
#include <stdexcept>

namespace kin::testing::mbt {

PlainJson ToPlain(const Json& j) {
  if (j.is_object()) {
    PlainJson out = PlainJson::object();
    for (const auto& [key, v] : j.items()) out[key] = ToPlain(v);
    return out;
  }
  if (j.is_array()) {
    PlainJson out = PlainJson::array();
    for (const auto& v : j) out.push_back(ToPlain(v));
    return out;
  }
  switch (j.type()) {
    case Json::value_t::string: return j.get<std::string>();
    case Json::value_t::boolean: return j.get<bool>();
    case Json::value_t::number_integer: return j.get<int64_t>();
    case Json::value_t::number_unsigned: return j.get<uint64_t>();
    case Json::value_t::number_float: return j.get<double>();
    default: return nullptr;
  }
}

// ---- the schema --------------------------------------------------------------------

const ModelSpec& Spec::model(const std::string& name) const {
  for (const auto& m : models)
    if (m.name == name) return m;
  throw std::out_of_range("no model " + name);
}

std::vector<std::string> Spec::RelationNames(const std::string& model) const {
  std::vector<std::string> out;
  for (const auto& m : models)
    for (const auto& p : m.parents) {
      if (m.name == model) out.push_back(p.name);
      if (p.parent == model && !p.pivot) out.push_back(p.inverse);
    }
  for (const auto& mm : m2m) {
    if (mm.a == model) out.push_back(mm.a_rel);
    if (mm.b == model) out.push_back(mm.b_rel);
  }
  return out;
}

Spec ModelBasedSpec() {
  auto scalar = [](std::string name, Kind kind, bool nullable, bool unique = false) {
    Scalar s;
    s.name = std::move(name);
    s.kind = kind;
    s.nullable = nullable;
    s.unique = unique;
    return s;
  };
  auto text = [&](std::string name, bool nullable, bool unique = false) {
    return scalar(std::move(name), Kind::kText, nullable, unique);
  };
  auto number = [&](std::string name) {
    Scalar s = scalar(std::move(name), Kind::kInt, false);
    s.default_value = 0;
    return s;
  };
  const Scalar metadata = scalar("metadata", Kind::kJson, true);
  Scalar status = scalar("status", Kind::kEnum, false);
  status.default_value = "draft";
  status.values = {"draft", "published"};
  auto parent = [](std::string name, std::string model, std::string inverse) {
    Parent p;
    p.name = name;
    p.column = name + "_id";
    p.parent = std::move(model);
    p.inverse = std::move(inverse);
    return p;
  };
  Parent profile_author = parent("author", "Author", "profile");
  profile_author.nullable = profile_author.one_to_one = true;
  Parent post_author = parent("author", "Author", "posts");
  post_author.cascade = true;
  Parent comment_post = parent("post", "Post", "comments");
  comment_post.cascade = true;
  Parent note_post = parent("post", "Post", "notes");
  note_post.nullable = true;
  Parent banner_collection = parent("collection", "Collection", "banner");
  banner_collection.one_to_one = true;
  Parent entry_collection = parent("collection", "Collection", "posts");
  Parent entry_post = parent("post", "Post", "collections");
  entry_collection.pivot = entry_post.pivot = true;

  Spec s;
  s.models = {
      {"Author", "Authors", "author", {text("name", false), text("email", true, true), number("rank"), metadata}, {}},
      {"Profile", "Profiles", "profile", {text("bio", true)}, {profile_author}},
      {"Badge", "Badges", "badge", {text("label", true)}, {parent("author", "Author", "badges")}},
      {"Post", "Posts", "post", {text("title", false), status, number("views")}, {post_author}},
      {"Comment", "Comments", "comment", {text("body", true)}, {comment_post}},
      {"Note", "Notes", "note", {text("text", true)}, {note_post}},
      {"Tag", "Tags", "tag", {text("name", false, true)}, {}},
      {"Collection", "Collections", "collection", {text("title", true)}, {}},
      {"Banner", "Banners", "banner", {text("caption", true)}, {banner_collection}},
      {"Entry", "Entries", "entry", {number("position")}, {entry_collection, entry_post}},
  };
  s.m2m = {{"Post", "tags", "Tag", "posts", "", "", ""},
           {"Collection", "posts", "Post", "collections", "Entry", "collection_id", "post_id"}};
  return s;
}

Json NormalizeResult(Op op, const Json& result) {
  switch (op) {
    case Op::kCreate:
    case Op::kUpdate:
    case Op::kList: {
      Json ids = Json::array();
      if (result.is_object()) ids.push_back(result.at("id"));
      else
        for (const auto& r : result) ids.push_back(r.at("id"));
      return ids;
    }
    case Op::kSoftDelete:
    case Op::kRestore: {
      Json out = Json::object();
      for (const auto& [key, ids] : result.items()) {
        std::vector<std::string> sorted = ids.get<std::vector<std::string>>();
        std::sort(sorted.begin(), sorted.end());
        out[key] = sorted;
      }
      return out;
    }
    case Op::kRetrieve: return result.at("id");
    case Op::kListAndCount: return result.at(1);
    case Op::kDelete: return result;
  }
  return result;
}

}  // namespace kin::testing::mbt
