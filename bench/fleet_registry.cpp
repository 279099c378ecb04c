#include "bench/fleet_registry.h"

#include <cstdio>
#include <random>

namespace uplinkprobe::bench {
namespace {

struct City {
  const char* name;
  const char* code;  // two digits after the province's "22"
  double weight;     // rough share of the province's schools
  std::vector<const char*> counties;
};

// Jilin province: 9 prefecture-level divisions and their county-level divisions.
const std::vector<City>& cities() {
  static const std::vector<City> c = {
      {"长春市",
       "01",
       0.27,
       {"南关区", "宽城区", "朝阳区", "二道区", "绿园区", "双阳区", "九台区", "农安县", "榆树市",
        "德惠市", "公主岭市"}},
      {"吉林市",
       "02",
       0.16,
       {"昌邑区", "龙潭区", "船营区", "丰满区", "永吉县", "蛟河市", "桦甸市", "舒兰市", "磐石市"}},
      {"四平市", "03", 0.09, {"铁西区", "铁东区", "梨树县", "伊通满族自治县", "双辽市"}},
      {"辽源市", "04", 0.04, {"龙山区", "西安区", "东丰县", "东辽县"}},
      {"通化市",
       "05",
       0.08,
       {"东昌区", "二道江区", "通化县", "辉南县", "柳河县", "梅河口市", "集安市"}},
      {"白山市",
       "06",
       0.05,
       {"浑江区", "江源区", "抚松县", "靖宇县", "长白朝鲜族自治县", "临江市"}},
      {"松原市", "07", 0.11, {"宁江区", "前郭尔罗斯蒙古族自治县", "长岭县", "乾安县", "扶余市"}},
      {"白城市", "08", 0.08, {"洮北区", "镇赉县", "通榆县", "洮南市", "大安市"}},
      {"延边朝鲜族自治州",
       "24",
       0.12,
       {"延吉市", "图们市", "敦化市", "珲春市", "龙井市", "和龙市", "汪清县", "安图县"}},
  };
  return c;
}

const char* kTowns[] = {"城关", "新华", "红旗", "胜利", "兴隆", "太平", "永安", "长山",
                        "三岔", "东风", "向阳", "前进", "合心", "双河", "大岭", "榆林"};

}  // namespace

std::vector<School> makeSchools(size_t count, uint64_t seed) {
  std::mt19937_64 rng(seed ^ 0x5c400115ull);
  std::uniform_real_distribution<double> u(0, 1);
  const auto& cs = cities();
  double total = 0;
  for (const auto& c : cs) total += c.weight;
  std::vector<School> out;
  out.reserve(count);
  std::vector<size_t> county_serial(64 * cs.size(), 0);
  for (size_t i = 0; i < count; ++i) {
    // City by weight (deterministic stride so small fleets still cover every city).
    double x = std::fmod((static_cast<double>(i) + 0.5) * 0.6180339887498949, 1.0) * total;
    size_t ci = 0;
    while (ci + 1 < cs.size() && x >= cs[ci].weight) x -= cs[ci++].weight;
    const City& c = cs[ci];
    const size_t ki = (i / cs.size()) % c.counties.size();
    const size_t serial = ++county_serial[ci * 64 + ki];
    School s;
    char id[32];
    std::snprintf(id, sizeof id, "22%s%02zu%04zu", c.code, ki + 1, serial % 10000);
    s.school_id = id;
    s.city = c.name;
    s.county = c.counties[ki];
    const double r = u(rng);
    const char* town = kTowns[(i * 7 + serial) % (sizeof kTowns / sizeof *kTowns)];
    if (r < 0.50) {
      s.stage = "小学";
      s.name = std::string(s.county) + town + "镇中心小学" + std::to_string(serial);
    } else if (r < 0.72) {
      s.stage = "初中";
      s.name = std::string(s.county) + "第" + std::to_string(serial) + "中学";
    } else if (r < 0.82) {
      s.stage = "高中";
      s.name = std::string(s.county) + "第" + std::to_string(serial) + "高级中学";
    } else if (r < 0.90) {
      s.stage = "九年一贯制";
      s.name = std::string(s.county) + town + "九年一贯制学校" + std::to_string(serial);
    } else {
      s.stage = "教学点";
      s.name = std::string(s.county) + town + "村教学点" + std::to_string(serial);
    }
    const double cr = u(rng);
    s.carrier = cr < 0.45 ? "中国电信" : cr < 0.75 ? "中国联通" : "中国移动";
    const double k = u(rng);
    if (s.stage == "教学点") {
      s.contracted_down_mbps = k < 0.7 ? 100 : 200;
    } else {
      s.contracted_down_mbps = k < 0.45   ? 100
                               : k < 0.75 ? 200
                               : k < 0.90 ? 300
                               : k < 0.97 ? 500
                                          : 1000;
    }
    s.contracted_up_mbps =
        u(rng) < 0.6 ? s.contracted_down_mbps : std::max(20, s.contracted_down_mbps / 5);
    const double a = u(rng);
    s.access = s.stage == "教学点" && a < 0.15 ? "无线" : a < 0.55 ? "光纤专线" : "光纤宽带";
    out.push_back(std::move(s));
  }
  return out;
}

void writeSchoolSheet(std::ostream& out, const std::vector<School>& schools) {
  out << "学校代码,学校名称,市(州),县(市、区),学段,运营商,合同下行,合同上行,接入方式\n";
  for (const auto& s : schools) {
    out << s.school_id << ',' << s.name << ',' << s.city << ',' << s.county << ',' << s.stage << ','
        << s.carrier << ',' << s.contracted_down_mbps << ',' << s.contracted_up_mbps << ','
        << s.access << '\n';
  }
}

}  // namespace uplinkprobe::bench
