// The notification targets, audit log and source control pages, a chunk of their own fetched when
// one opens (most visits never need them), as the assets and workers pages are.
export { NotificationTargets, NotificationTargetPage } from './Notifications';
export { Audit } from './Audit';
export { SourceControls, SourceControlPage } from './SourceControls';
