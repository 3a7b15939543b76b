inputs = {
  cidrhost     = cidrhost("10.12.112.0/20", 16)
  cidrhost_neg = cidrhost("10.12.112.0/20", -2)
  cidrhost_v6  = cidrhost("fd00:fd12:3456:7890::/56", 34)
  cidrnetmask  = cidrnetmask("172.16.0.0/12")
  cidrsubnet   = cidrsubnet("10.0.0.0/16", 8, 2)
  cidrsubnet_6 = cidrsubnet("fd00:fd12:3456:7890::/56", 16, 162)
}
