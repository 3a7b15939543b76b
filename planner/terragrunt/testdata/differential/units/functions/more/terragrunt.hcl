inputs = {
  base64gzip       = base64gzip("gen3 gen3 gen3")
  textencodebase64 = textencodebase64("gen3 ✓", "UTF-16LE")
  textdecodebase64 = textdecodebase64("ZwBlAG4AMwA=", "UTF-16LE")
  uuidv5_dns       = uuidv5("dns", "gen3.org")
  uuidv5_custom    = uuidv5("6ba7b811-9dad-11d1-80b4-00c04fd430c8", "https://gen3.org")
  timecmp          = [timecmp("2024-01-01T00:00:00Z", "2024-01-01T01:00:00+01:00"), timecmp("2024-01-02T00:00:00Z", "2024-01-01T00:00:00Z")]
  cidrsubnets      = cidrsubnets("10.1.0.0/16", 4, 4, 8, 4)
  cidrsubnets_v6   = cidrsubnets("fd00:fd12:3456:7890::/56", 16, 16)
  transpose        = transpose({ a = ["1", "2"], b = ["2", "3"] })
  matchkeys        = matchkeys(["i-1", "i-2", "i-3"], ["us-a", "us-b", "us-a"], ["us-a"])
  unstable_uuid    = uuid()
  unstable_bcrypt  = bcrypt("not-a-secret", 4)
}
