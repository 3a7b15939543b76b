inputs = {
  tobool        = tobool("true")
  tolist        = tolist(["a", "b"])
  tomap         = tomap({ a = 1, b = 2 })
  tonumber      = tonumber("42.5")
  toset         = toset(["b", "a", "b"])
  tostring      = tostring(12)
  try           = try(local.missing, "fell back")
  try_first     = try(tonumber("x"), tonumber("3"))
  can           = [can(tonumber("x")), can(tonumber("1"))]
  nonsensitive  = nonsensitive(sensitive("visible"))
  null_value    = null
  mixed_tuple   = [1, "a", true, null, { k = "v" }]
  empty_object  = {}
  empty_list    = []
}
