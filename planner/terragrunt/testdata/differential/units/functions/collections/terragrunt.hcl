locals {
  subnets = {
    a = { cidr = "10.0.1.0/24", public = true }
    b = { cidr = "10.0.2.0/24", public = false }
  }
}

inputs = {
  alltrue         = alltrue([true, true])
  anytrue         = anytrue([false, true])
  chunklist       = chunklist(["a", "b", "c", "d", "e"], 2)
  coalesce        = coalesce("", "first", "second")
  coalescelist    = coalescelist([], ["x"])
  compact         = compact(["a", "", "b", ""])
  concat          = concat(["a"], ["b", "c"])
  contains        = contains(["a", "b"], "b")
  distinct        = distinct(["a", "b", "a", "c", "b"])
  element         = element(["a", "b", "c"], 4)
  flatten         = flatten([["a", ["b"]], [], ["c"]])
  index           = index(["a", "b", "c"], "b")
  keys            = keys({ z = 1, a = 2 })
  length          = [length("héllo"), length([1, 2]), length({ a = 1 })]
  lookup          = lookup({ a = "x" }, "b", "fallback")
  merge           = merge({ a = 1, b = 2 }, { b = 3, c = 4 })
  range           = [range(3), range(1, 4), range(10, 0, -3)]
  reverse         = reverse([1, 2, 3])
  setintersection = setintersection(["a", "b"], ["b", "c"])
  setproduct      = setproduct(["x", "y"], ["1", "2"])
  setsubtract     = setsubtract(["a", "b", "c"], ["b"])
  setunion        = setunion(["a"], ["b"], ["a"])
  slice           = slice(["a", "b", "c", "d"], 1, 3)
  sort            = sort(["b", "a", "C", "10", "9"])
  sum             = sum([1, 2.5, 3])
  values          = values({ b = 2, a = 1 })
  zipmap          = zipmap(["a", "b"], [1, 2])
  one             = one(["only"])
  one_empty       = one([])
  for_list        = [for k, v in local.subnets : "${k}:${v.cidr}" if v.public]
  for_map         = { for k, v in local.subnets : v.cidr => k }
  for_group       = { for s in ["a1", "a2", "b1"] : substr(s, 0, 1) => s... }
  splat           = [for s in values(local.subnets) : s.cidr][*]
  attr_splat      = values(local.subnets)[*].public
}
