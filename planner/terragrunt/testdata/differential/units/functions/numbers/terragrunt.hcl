inputs = {
  abs       = abs(-12.5)
  ceil      = ceil(4.1)
  floor     = floor(-4.1)
  log       = log(16, 2)
  max       = max(3, 12, 7.5)
  min       = min(3, -12, 7.5)
  parseint  = parseint("ff", 16)
  parsebin  = parseint("-101", 2)
  pow       = pow(2, 10)
  signum    = signum(-3)
  arith     = 7 / 2 + 10 % 4 - 2 * 3
  big       = 12345678901234567890
  fraction  = 1 / 3
  compare   = [1 < 2, 2 >= 3, "a" == "a", 1 != 1.0]
  condition = 5 > 3 ? "yes" : "no"
}
