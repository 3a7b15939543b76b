# Pure helper module: no resources, it only normalises the tag map used by
# the other modules so that every resource carries the same keys.
locals {
  tags = merge(
    var.tags,
    {
      Name      = var.name
      component = var.component
    },
  )
}
