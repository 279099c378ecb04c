// The simulated province: schools with Jilin-like cities and counties, carriers, contracts
// and access types, and the department's school sheet (the collector's `import-schools`
// CSV format). Deterministic for a given seed, so the sheet and the fleet always match.
#pragma once

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

namespace uplinkprobe::bench {

struct School {
  std::string school_id;  // 10 digits, "22" (Jilin) + county code + serial
  std::string name;
  std::string city;
  std::string county;
  std::string stage;    // 小学 / 初中 / 高中 / 九年一贯制 / 教学点
  std::string carrier;  // 中国电信 / 中国联通 / 中国移动
  int contracted_down_mbps = 100;
  int contracted_up_mbps = 100;
  std::string access;  // 光纤专线 / 光纤宽带 / 无线
};

// `count` schools spread over the cities by weight, counties round-robin within a city.
std::vector<School> makeSchools(size_t count, uint64_t seed);

// The sheet with Chinese headers:
// 学校代码,学校名称,市(州),县(市、区),学段,运营商,合同下行,合同上行,接入方式
void writeSchoolSheet(std::ostream& out, const std::vector<School>& schools);

}  // namespace uplinkprobe::bench
