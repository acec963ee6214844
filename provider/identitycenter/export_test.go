package identitycenter

// SetPageSize makes every listing ask for pages of n items, so tests see
// pagination with a small organisation.
func SetPageSize(p *Provider, n int32) { p.pageSize = n }
